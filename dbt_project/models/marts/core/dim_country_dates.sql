{#
    One row per calendar day x country with public holidays (the countries of
    dim_public_holidays, which crossdock ships from and to): whether the day is a weekend, a
    public holiday, or a business day there. Every one of these countries rests on Saturday
    and Sunday.
#}

with

dates as (

    select * from {{ ref('dim_dates') }}

),

public_holidays as (

    select * from {{ ref('dim_public_holidays') }}

),

holiday_countries as (

    select distinct country from public_holidays

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['holiday_countries.country', 'dates.date_day']) }} as country_date_id,
        dates.date_day,
        holiday_countries.country,

        ---------- calendar
        dates.day_of_week,
        dates.is_weekend,

        ---------- holidays
        public_holidays.public_holiday_id is not null as is_public_holiday,
        public_holidays.holiday_name,
        not dates.is_weekend and public_holidays.public_holiday_id is null as is_business_day

    from dates

    cross join holiday_countries

    left join public_holidays
        on
            dates.date_day = public_holidays.holiday_date
            and holiday_countries.country = public_holidays.country

)

select * from final
