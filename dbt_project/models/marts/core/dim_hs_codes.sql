with

hs_codes as (

    select * from {{ ref('stg_reference__hs_codes') }}

),

hs_sections as (

    select * from {{ ref('stg_reference__hs_sections') }}

),

subheadings as (

    select * from hs_codes
    where hs_level = 6

),

headings as (

    select * from hs_codes
    where hs_level = 4

),

chapters as (

    select * from hs_codes
    where hs_level = 2

),

final as (

    select

        ----------  ids
        subheadings.hs_code as hs6,
        headings.hs_code as heading,
        chapters.hs_code as chapter,
        subheadings.section,

        ---------- descriptions
        subheadings.description as hs6_description,
        headings.description as heading_description,
        chapters.description as chapter_description,
        hs_sections.section_name

    from subheadings
    left join headings
        on subheadings.parent_hs_code = headings.hs_code
    left join chapters
        on headings.parent_hs_code = chapters.hs_code
    left join hs_sections
        on subheadings.section = hs_sections.section

)

select * from final
