{#
    Daily demand per SKU x destination country x platform over a complete daily spine: every
    series has a row for every day from its first order day to the last order day in the data,
    zero-demand days included (units, orders and gmv_eur 0), with the calendar and holiday
    features the forecast uses and the censored-demand flag.

    is_stockout is null when no warehouse of the destination country reported the SKU that day
    (no information), true when they reported nothing on hand, else false.

    Incremental (delete+insert by demand_daily_id). An increment recomputes the spine rows
    (day x series) that the build's batch of files can change: the days of its placed lines
    (a late line of an old day included), the days of its stock reports (every platform of the
    SKU x country), the days after the last built day for every series (the data's end moved),
    and the days before a series' first built day (a new series, or a late line earlier than
    its first). Calendar and holidays are read as of the build: a change to them needs a
    --full-refresh.
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='demand_daily_id',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}
-- depends_on: {{ ref('stg_marketplace__order_lines') }}
-- depends_on: {{ ref('stg_marketplace__inventory_snapshots') }}

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

{% if is_incremental() %}

order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

inventory_snapshots as (

    select * from {{ ref('stg_marketplace__inventory_snapshots') }}

),

built_series as (

    select

        sku,
        destination_country,
        platform,
        min(order_date) as first_built_date

    from {{ this }}

    group by
        sku,
        destination_country,
        platform

),

built_end as (

    select max(order_date) as last_built_date from {{ this }}

),

{# the days each series did not cover yet: after the built end; before its first built day #}
uncovered_ranges as (

    select

        series.sku,
        series.destination_country,
        series.platform,
        case
            when built_end.last_built_date is null then series.first_order_date
            else greatest(series.first_order_date, built_end.last_built_date + 1)
        end as range_start,
        data_end.last_order_date as range_end

    from series

    cross join data_end

    cross join built_end

    union all

    select

        series.sku,
        series.destination_country,
        series.platform,
        series.first_order_date as range_start,
        least(
            coalesce(built_series.first_built_date - 1, data_end.last_order_date),
            data_end.last_order_date
        ) as range_end

    from series

    cross join data_end

    left join built_series
        on
            series.sku = built_series.sku
            and series.destination_country = built_series.destination_country
            and series.platform = built_series.platform

),

nonempty_ranges as (

    select * from uncovered_ranges
    where range_start <= range_end

),

{# only the days the ranges span: a range join of every series with the whole calendar is slow #}
range_dates as (

    select dates.date_day
    from dates
    where
        dates.date_day >= (select min(nonempty_ranges.range_start) as range_start from nonempty_ranges)
        and dates.date_day <= (select max(nonempty_ranges.range_end) as range_end from nonempty_ranges)

),

touched_rows as (

    select

        {{ dbt.cast('order_lines.ordered_at', 'date') }} as date_day,
        order_lines.sku,
        order_lines.ship_to_country as destination_country,
        order_lines.platform

    from order_lines

    where
        order_lines.order_status = 'placed'
        and {{ in_build_batch('order_lines') }}

    union

    select

        inventory_snapshots.snapshot_date as date_day,
        series.sku,
        series.destination_country,
        series.platform

    from inventory_snapshots

    inner join series
        on
            inventory_snapshots.sku = series.sku
            and inventory_snapshots.warehouse_country = series.destination_country

    where {{ in_build_batch('inventory_snapshots') }}

    union

    select

        range_dates.date_day,
        nonempty_ranges.sku,
        nonempty_ranges.destination_country,
        nonempty_ranges.platform

    from nonempty_ranges

    inner join range_dates
        on range_dates.date_day between nonempty_ranges.range_start and nonempty_ranges.range_end

),

{% endif %}

spine as (

    {% if is_incremental() %}

    select

        series.sku,
        series.destination_country,
        series.platform,
        touched_rows.date_day

    from touched_rows

    inner join series
        on
            touched_rows.sku = series.sku
            and touched_rows.destination_country = series.destination_country
            and touched_rows.platform = series.platform

    cross join data_end

    where touched_rows.date_day between series.first_order_date and data_end.last_order_date

    {% else %}

    select

        series.sku,
        series.destination_country,
        series.platform,
        dates.date_day

    from series

    cross join data_end

    inner join dates
        on dates.date_day between series.first_order_date and data_end.last_order_date

    {% endif %}

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
