with

source as (

    select * from {{ source('reference', 'hs_sections') }}

),

final as (

    select

        ----------  ids
        {{ dbt.cast('section', dbt.type_string()) }} as section,

        ---------- text
        {{ dbt.cast('name', dbt.type_string()) }} as section_name

    from source

)

select * from final
