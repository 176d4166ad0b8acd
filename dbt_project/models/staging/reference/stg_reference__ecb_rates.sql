with

source as (

    select * from {{ source('reference', 'ecb_rates') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['rate_date', 'currency']) }} as ecb_rate_id,

        ---------- text
        {{ dbt.cast('currency', dbt.type_string()) }} as currency,

        ---------- numerics
        {{ dbt.cast('per_eur', 'double precision') }} as per_eur,

        ---------- dates
        {{ dbt.cast('rate_date', 'date') }} as rate_date

    from source

)

select * from final
