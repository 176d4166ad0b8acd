{#
    One row per calendar day x currency with the ECB reference rate in force that day: the rate
    of the day itself, or on weekends and TARGET holidays (no fixing) the latest earlier fixing.
    Marts convert with an equality join on (day, currency) instead of an as-of join.

    Days run from var fx_first_day (2015-01-01, the first day of dim_dates) to var fx_last_day
    (2030-12-31) for currencies the ECB still fixes, and up to their last fixing for
    discontinued ones. The spine starts at var fx_spine_start (2014-12-01) so that 2015-01-01
    (a holiday) finds the fixing of 2014-12-31. The vars exist so that unit tests can use a
    short calendar.
#}

{{ config(materialized='table') }}

with

ecb_rates as (

    select * from {{ ref('stg_reference__ecb_rates') }}

),

calendar_days as (

    {{ calendar_days(var('fx_spine_start', '2014-12-01'), var('fx_last_day', '2030-12-31')) }}

),

currencies as (

    select

        currency,
        max(rate_date) as last_rate_date

    from ecb_rates

    group by 1

),

latest_fixing as (

    select max(rate_date) as rate_date from ecb_rates

),

spine as (

    select

        calendar_days.date_day,
        currencies.currency

    from calendar_days

    cross join currencies

    cross join latest_fixing

    where
        calendar_days.date_day <= case
            when currencies.last_rate_date = latest_fixing.rate_date
                then {{ dbt.cast("'" ~ var('fx_last_day', '2030-12-31') ~ "'", 'date') }}
            else currencies.last_rate_date
        end

),

filled as (

    select

        spine.date_day,
        spine.currency,
        max(ecb_rates.rate_date) over (
            partition by spine.currency
            order by spine.date_day
            rows between unbounded preceding and current row
        ) as rate_date

    from spine

    left join ecb_rates
        on
            spine.currency = ecb_rates.currency
            and spine.date_day = ecb_rates.rate_date

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['filled.date_day', 'filled.currency']) }} as daily_rate_id,
        filled.date_day,
        filled.currency,

        ---------- rate
        ecb_rates.per_eur,
        filled.rate_date,
        filled.rate_date = filled.date_day as is_fixing_day

    from filled

    inner join ecb_rates
        on
            filled.currency = ecb_rates.currency
            and filled.rate_date = ecb_rates.rate_date

    where filled.date_day >= {{ dbt.cast("'" ~ var('fx_first_day', '2015-01-01') ~ "'", 'date') }}

)

select * from final
