with

public_holidays as (

    select * from {{ ref('stg_reference__public_holidays') }}

),

final as (

    select

        ----------  ids
        public_holiday_id,
        holiday_date,
        country,

        ---------- attributes
        holiday_name

    from public_holidays

)

select * from final
