{#
    Weekly demand per SKU x destination country x platform by ISO week (week_start is the
    Monday), summed from the daily spine of fct_demand_daily. A series' first and the data's
    last week may be partial: `days` counts the days of the week the spine covers.
#}

with

demand_daily as (

    select * from {{ ref('fct_demand_daily') }}

),

weekly as (

    select

        sku,
        destination_country,
        platform,
        {{ dbt.cast(dbt.date_trunc('week', 'order_date'), 'date') }} as week_start,
        min(iso_year) as iso_year,
        min(iso_week) as iso_week,
        sum(units) as units,
        sum(orders) as orders,
        sum(gmv_eur) as gmv_eur,
        sum(case when is_stockout then 1 else 0 end) as stockout_days,
        count(*) as spine_days

    from demand_daily

    group by
        sku,
        destination_country,
        platform,
        {{ dbt.date_trunc('week', 'order_date') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['week_start', 'sku', 'destination_country', 'platform']) }}
            as demand_weekly_id,
        week_start,
        iso_year,
        iso_week,
        sku,
        destination_country,
        platform,

        ---------- demand
        {{ dbt.cast('units', dbt.type_bigint()) }} as units,
        {{ dbt.cast('orders', dbt.type_bigint()) }} as orders,
        {{ dbt.cast('gmv_eur', 'decimal(18, 2)') }} as gmv_eur,

        ---------- coverage
        {{ dbt.cast('stockout_days', dbt.type_int()) }} as stockout_days,
        {{ dbt.cast('spine_days', dbt.type_int()) }} as days  -- noqa: RF04

    from weekly

)

select * from final
