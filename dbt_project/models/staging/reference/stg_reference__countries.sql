with

source as (

    select * from {{ source('reference', 'countries') }}

),

final as (

    select

        ----------  ids
        {{ dbt.cast('iso2', dbt.type_string()) }} as iso2,
        {{ dbt.cast('iso3', dbt.type_string()) }} as iso3,
        {{ dbt.cast('iso_numeric', dbt.type_int()) }} as iso_numeric,

        ---------- text
        {{ dbt.cast('name', dbt.type_string()) }} as country_name,
        {{ dbt.cast('unterm_short_name', dbt.type_string()) }} as unterm_short_name,
        {{ dbt.cast('currency', dbt.type_string()) }} as currency,
        {{ dbt.cast('region', dbt.type_string()) }} as region,
        {{ dbt.cast('sub_region', dbt.type_string()) }} as sub_region

    from source

)

select * from final
