with

source as (

    select * from {{ source('reference', 'hs_codes') }}

),

final as (

    select

        ----------  ids
        {{ dbt.cast('hs_code', dbt.type_string()) }} as hs_code,
        {{ dbt.cast('parent', dbt.type_string()) }} as parent_hs_code,

        ---------- text
        {{ dbt.cast('section', dbt.type_string()) }} as section,
        {{ dbt.cast('description', dbt.type_string()) }} as description,

        ---------- numerics
        {{ dbt.cast('level', dbt.type_int()) }} as hs_level

    from source

)

select * from final
