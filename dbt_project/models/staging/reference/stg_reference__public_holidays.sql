with

source as (

    select * from {{ source('reference', 'public_holidays') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['country', 'holiday_date']) }} as public_holiday_id,

        ---------- text
        {{ dbt.cast('country', dbt.type_string()) }} as country,
        {{ dbt.cast('holiday_name', dbt.type_string()) }} as holiday_name,

        ---------- dates
        {{ dbt.cast('holiday_date', 'date') }} as holiday_date

    from source

)

select * from final
