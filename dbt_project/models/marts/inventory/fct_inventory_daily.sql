{#
    Daily stock per warehouse x SKU with demand, cover and stockouts.

    Rolling measures use a complete date spine (dim_dates) per warehouse x SKU, from its first
    to its last snapshot, and a ROWS frame over it: with one row per calendar day, 28 rows are
    28 calendar days on every engine (no RANGE-over-interval frame). The trailing window is the
    snapshot day and the 27 days before it, cut at the pair's first snapshot (days_in_window).

    Incremental (delete+insert by inventory_daily_id). A warehouse x SKU is touched from the
    earliest day that the build's batch of files changes for it: a day of its stock reports (a
    resent or late report included) or a day of warehouse sales of the SKU in its country. Its
    rows from that day on are recomputed (their 28-day windows read the 27 days before it).
#}

{% set trailing_days = 28 %}
{% set excess_cover_days = 90 %}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='inventory_daily_id',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}
-- depends_on: {{ ref('stg_marketplace__order_lines') }}
-- depends_on: {{ ref('stg_marketplace__inventory_snapshots') }}

with

inventory_snapshots as (

    select * from {{ ref('int_inventory_snapshots_deduplicated') }}

),

warehouse_sales as (

    select * from {{ ref('int_order_lines_aggregated_to_warehouse_days') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

all_warehouse_skus as (

    select

        warehouse_id,
        warehouse_country,
        sku,
        min(snapshot_date) as first_snapshot_date,
        max(snapshot_date) as last_snapshot_date

    from inventory_snapshots

    group by
        warehouse_id,
        warehouse_country,
        sku

),

{% if is_incremental() %}

batch_order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}
    where {{ in_build_batch() }}

),

batch_snapshots as (

    select * from {{ ref('stg_marketplace__inventory_snapshots') }}
    where {{ in_build_batch() }}

),

touched_days as (

    select

        warehouse_id,
        sku,
        snapshot_date as touched_date

    from batch_snapshots

    union all

    select

        all_warehouse_skus.warehouse_id,
        all_warehouse_skus.sku,
        {{ dbt.cast('batch_order_lines.ordered_at', 'date') }} as touched_date

    from batch_order_lines

    inner join all_warehouse_skus
        on
            batch_order_lines.ship_from_country = all_warehouse_skus.warehouse_country
            and batch_order_lines.sku = all_warehouse_skus.sku

    where
        batch_order_lines.ship_from_country = batch_order_lines.ship_to_country
        and batch_order_lines.order_status = 'placed'

),

touched_pairs as (

    select

        warehouse_id,
        sku,
        min(touched_date) as recompute_from

    from touched_days

    group by
        warehouse_id,
        sku

),

{% else %}

touched_pairs as (

    select

        warehouse_id,
        sku,
        first_snapshot_date as recompute_from

    from all_warehouse_skus

),

{% endif %}

{# the pairs to compute, the first day of their rows to write, and of their spine (27 days before) #}
warehouse_skus as (

    select

        all_warehouse_skus.*,
        touched_pairs.recompute_from,
        greatest(
            all_warehouse_skus.first_snapshot_date,
            {{ dbt.cast(dbt.dateadd('day', -(trailing_days - 1), 'touched_pairs.recompute_from'), 'date') }}
        ) as spine_start_date

    from all_warehouse_skus

    inner join touched_pairs
        on
            all_warehouse_skus.warehouse_id = touched_pairs.warehouse_id
            and all_warehouse_skus.sku = touched_pairs.sku

),

{# from the pair's first snapshot, or 27 days before the first row to write #}
spine as (

    select

        warehouse_skus.warehouse_id,
        warehouse_skus.warehouse_country,
        warehouse_skus.sku,
        warehouse_skus.recompute_from,
        dates.date_day

    from warehouse_skus

    inner join dates
        on dates.date_day between warehouse_skus.spine_start_date and warehouse_skus.last_snapshot_date

),

daily as (

    select

        spine.warehouse_id,
        spine.warehouse_country,
        spine.sku,
        spine.date_day,
        spine.recompute_from,
        inventory_snapshots.inventory_snapshot_id is not null as has_snapshot,
        inventory_snapshots.on_hand,
        inventory_snapshots.reserved,
        inventory_snapshots.inbound,
        inventory_snapshots.unsellable,
        coalesce(warehouse_sales.units_sold, 0) as units_sold,

        coalesce(
            inventory_snapshots.on_hand = 0 and coalesce(warehouse_sales.units_sold, 0) > 0,
            false
        ) as is_stockout

    from spine

    left join inventory_snapshots
        on
            spine.warehouse_id = inventory_snapshots.warehouse_id
            and spine.sku = inventory_snapshots.sku
            and spine.date_day = inventory_snapshots.snapshot_date

    left join warehouse_sales
        on
            spine.warehouse_country = warehouse_sales.warehouse_country
            and spine.sku = warehouse_sales.sku
            and spine.date_day = warehouse_sales.sale_date

),

rolling as (

    select

        *,

        sum(units_sold) over (
            partition by warehouse_id, sku
            order by date_day
            rows between {{ trailing_days - 1 }} preceding and current row
        ) as units_sold_trailing,

        count(*) over (
            partition by warehouse_id, sku
            order by date_day
            rows between {{ trailing_days - 1 }} preceding and current row
        ) as days_in_window,

        sum(case when is_stockout then 1 else 0 end) over (
            partition by warehouse_id, sku
            order by date_day
            rows between {{ trailing_days - 1 }} preceding and current row
        ) as stockout_days_trailing

    from daily

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['warehouse_id', 'sku', 'date_day']) }} as inventory_daily_id,
        date_day as snapshot_date,
        warehouse_id,
        warehouse_country,
        sku,

        ---------- stock (end of day)
        on_hand,
        reserved,
        unsellable,
        inbound as inbound_in_transit,

        ---------- demand
        {{ dbt.cast('units_sold', dbt.type_bigint()) }} as units_sold,
        {{ dbt.cast('units_sold_trailing', dbt.type_bigint()) }} as units_sold_28d,
        {{ dbt.cast('days_in_window', dbt.type_int()) }} as days_in_window,
        {{ dbt.cast('units_sold_trailing * 1.0 / days_in_window', 'decimal(18, 4)') }}
            as avg_daily_units_sold_28d,

        ---------- cover and sell-through
        case
            when units_sold_trailing > 0
                then {{ dbt.cast('on_hand * days_in_window * 1.0 / units_sold_trailing', 'decimal(18, 2)') }}
        end as days_of_cover,

        case
            when units_sold_trailing + on_hand > 0
                then {{ dbt.cast('units_sold_trailing * 1.0 / (units_sold_trailing + on_hand)', 'decimal(9, 4)') }}
        end as sell_through_rate_28d,

        ---------- flags
        is_stockout,
        {{ dbt.cast('stockout_days_trailing', dbt.type_int()) }} as stockout_days_28d,

        -- cover compared exactly, in integers: on_hand / (sold / days) > 90
        -- <=> on_hand * days > 90 * sold; stock with no demand at all is excess too
        on_hand > 0 and (
            units_sold_trailing = 0
            or on_hand * days_in_window > {{ excess_cover_days }} * units_sold_trailing
        ) as is_excess

    from rolling

    where
        has_snapshot
        and date_day >= recompute_from

)

select * from final
