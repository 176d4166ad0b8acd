{#
    Daily demand per SKU x destination country x platform over a complete daily spine: every
    series has a row for every day from its first order day to the last order day in the data,
    zero-demand days included (units, orders and gmv_eur 0), with the calendar and holiday
    features the forecast uses and the censored-demand flag.

    is_stockout is null when no warehouse of the destination country reported the SKU that day
    (no information), true when they reported nothing on hand, else false.
#}

with

demand_days as (

    select * from {{ ref('int_order_lines_aggregated_to_demand_days') }}

),

country_stock_days as (

    select * from {{ ref('int_inventory_snapshots_aggregated_to_country_days') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

public_holidays as (

    select * from {{ ref('dim_public_holidays') }}

),

series as (

    select

        sku,
        destination_country,
        platform,
        min(order_date) as first_order_date

    from demand_days

    group by
        sku,
        destination_country,
        platform

),

data_end as (

    select max(order_date) as last_order_date from demand_days

),

spine as (

    select

        series.sku,
        series.destination_country,
        series.platform,
        dates.date_day

    from series

    cross join data_end

    inner join dates
        on dates.date_day between series.first_order_date and data_end.last_order_date

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['spine.date_day', 'spine.sku', 'spine.destination_country', 'spine.platform']) }}
            as demand_daily_id,
        spine.date_day as order_date,
        spine.sku,
        spine.destination_country,
        spine.platform,

        ---------- demand
        {{ dbt.cast('coalesce(demand_days.units, 0)', dbt.type_bigint()) }} as units,
        {{ dbt.cast('coalesce(demand_days.orders, 0)', dbt.type_bigint()) }} as orders,
        {{ dbt.cast('coalesce(demand_days.gmv_eur, 0)', 'decimal(18, 2)') }} as gmv_eur,

        ---------- calendar
        dates.day_of_week,
        dates.iso_year,
        dates.iso_week,
        dates.month,
        dates.is_weekend,

        ---------- holidays in the destination country
        public_holidays.public_holiday_id is not null as is_public_holiday,
        public_holidays.holiday_name,

        ---------- censored demand
        country_stock_days.is_stockout

    from spine

    inner join dates
        on spine.date_day = dates.date_day

    left join demand_days
        on
            spine.date_day = demand_days.order_date
            and spine.sku = demand_days.sku
            and spine.destination_country = demand_days.destination_country
            and spine.platform = demand_days.platform

    left join public_holidays
        on
            spine.date_day = public_holidays.holiday_date
            and spine.destination_country = public_holidays.country

    left join country_stock_days
        on
            spine.date_day = country_stock_days.snapshot_date
            and spine.sku = country_stock_days.sku
            and spine.destination_country = country_stock_days.warehouse_country

)

select * from final
