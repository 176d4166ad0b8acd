{#
    Seller logistics scorecard: one row per seller x platform x as-of day x window, for every
    day from the seller's first order on the platform to the last day of the data, and every
    window length of the seller_performance_thresholds seed.

    Each order counts in a metric of window [as_of - window_days + 1, as_of] when its
    attribution day falls in the window, and only with what was known by the end of the as-of
    day (`counted_from`, the first as-of day it counts on):

    | metric                     | attribution day        | denominator                         | numerator                                  |
    |----------------------------|------------------------|-------------------------------------|--------------------------------------------|
    | pre_fulfilment_cancel_rate | order_date             | orders                              | cancelled orders                           |
    | late_shipment_rate         | ship_by_date           | placed orders                       | not handed to the carrier by ship_by_date  |
    | valid_tracking_rate        | ship_by_date           | placed orders with a tracking number| with a carrier scan (not label-only)       |
    |                            |                        | (label or scan) by the as-of day    | by the as-of day                           |
    | on_time_delivery_rate      | promised_delivery_date | placed orders delivered by as-of    | delivered on or before the promised date   |

    Windows are range joins on the attribution day (between two dates), portable to every
    engine, over orders pre-aggregated to one row per seller x platform x metric x day.
    A breach is decided exactly, in decimals (numerator against threshold * denominator), so
    a rate exactly at a "< 4 %" threshold breaches.
#}

{% set metrics = ['late_shipment_rate', 'valid_tracking_rate', 'on_time_delivery_rate', 'pre_fulfilment_cancel_rate'] %}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

shipments as (

    select * from {{ ref('fct_shipment_journeys') }}

),

thresholds as (

    select * from {{ ref('seller_performance_thresholds') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

-- An order's carrier shipments (the marketplace feeds, not SCMS) rolled up: tracking uploaded
-- (label or first scan), handed over and scanned at the first shipment, delivered when every
-- shipment is.
order_shipments as (

    select

        order_id,
        min({{ dbt.cast('label_created_at', 'date') }}) as label_created_date,
        min({{ dbt.cast('first_scan_at', 'date') }}) as first_scan_date,
        min({{ dbt.cast('handed_to_carrier_at', 'date') }}) as handed_to_carrier_date,

        case
            when count(*) = count(delivered_at) then max({{ dbt.cast('delivered_at', 'date') }})
        end as delivered_date,

        max({{ dbt.cast('current_event_at', 'date') }}) as last_event_date

    from shipments

    where source_system = 'crossdock'

    group by order_id

),

order_facts as (

    select

        orders.seller_id,
        orders.platform,
        orders.order_date,
        orders.ship_by_date,
        orders.promised_delivery_date,
        orders.order_status = 'cancelled' as is_cancelled,
        order_shipments.first_scan_date,
        order_shipments.handed_to_carrier_date,
        order_shipments.delivered_date,

        case
            when order_shipments.label_created_date is null then order_shipments.first_scan_date
            when order_shipments.first_scan_date is null then order_shipments.label_created_date
            when order_shipments.label_created_date < order_shipments.first_scan_date
                then order_shipments.label_created_date
            else order_shipments.first_scan_date
        end as tracking_uploaded_date

    from orders

    left join order_shipments
        on orders.order_id = order_shipments.order_id

),

-- One row per order and metric it counts in: the attribution day, and the first as-of day
-- the order counts in the denominator and (null: never) in the numerator.
metric_orders as (

    select
        seller_id,
        platform,
        'pre_fulfilment_cancel_rate' as metric,
        order_date as attribution_date,
        order_date as denominator_from,
        case when is_cancelled then order_date end as numerator_from
    from order_facts

    union all

    select
        seller_id,
        platform,
        'late_shipment_rate' as metric,
        ship_by_date as attribution_date,
        ship_by_date as denominator_from,
        case
            when handed_to_carrier_date is null or handed_to_carrier_date > ship_by_date
                then ship_by_date
        end as numerator_from
    from order_facts
    where not is_cancelled

    union all

    select
        seller_id,
        platform,
        'valid_tracking_rate' as metric,
        ship_by_date as attribution_date,
        case
            when tracking_uploaded_date > ship_by_date then tracking_uploaded_date else ship_by_date
        end as denominator_from,
        case
            when first_scan_date > ship_by_date then first_scan_date
            when first_scan_date is not null then ship_by_date
        end as numerator_from
    from order_facts
    where not is_cancelled and tracking_uploaded_date is not null

    union all

    select
        seller_id,
        platform,
        'on_time_delivery_rate' as metric,
        promised_delivery_date as attribution_date,
        case
            when delivered_date > promised_delivery_date then delivered_date else promised_delivery_date
        end as denominator_from,
        case when delivered_date <= promised_delivery_date then promised_delivery_date end as numerator_from
    from order_facts
    where not is_cancelled and delivered_date is not null

),

metric_days as (

    select

        seller_id,
        platform,
        metric,
        attribution_date,
        denominator_from,
        numerator_from,
        count(*) as orders

    from metric_orders

    group by
        seller_id,
        platform,
        metric,
        attribution_date,
        denominator_from,
        numerator_from

),

seller_platforms as (

    select

        seller_id,
        platform,
        min(order_date) as first_order_date

    from orders

    group by
        seller_id,
        platform

),

-- The last day of the data: the latest order day or shipment checkpoint day.
data_end as (

    select max(last_day) as last_date

    from (
        select max(order_date) as last_day from orders
        union all
        select max(last_event_date) as last_day from order_shipments
    ) as last_days

),

windows as (

    select distinct window_days from thresholds

),

metrics as (

    {% for metric in metrics -%}
    select '{{ metric }}' as metric
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

spine as (

    select

        seller_platforms.seller_id,
        seller_platforms.platform,
        dates.date_day as as_of_date,
        windows.window_days,
        {{ dbt.cast(dbt.dateadd('day', '1 - windows.window_days', 'dates.date_day'), 'date') }}
            as window_start_date

    from seller_platforms

    cross join data_end

    inner join dates
        on dates.date_day between seller_platforms.first_order_date and data_end.last_date

    cross join windows

),

windowed as (

    select

        spine.seller_id,
        spine.platform,
        spine.as_of_date,
        spine.window_days,
        spine.window_start_date,
        metrics.metric,

        {{ dbt.cast(
            'coalesce(sum(case when metric_days.numerator_from <= spine.as_of_date then metric_days.orders end), 0)',
            dbt.type_bigint()
        ) }} as numerator,

        {{ dbt.cast(
            'coalesce(sum(case when metric_days.denominator_from <= spine.as_of_date then metric_days.orders end), 0)',
            dbt.type_bigint()
        ) }} as denominator

    from spine

    cross join metrics

    left join metric_days
        on
            spine.seller_id = metric_days.seller_id
            and spine.platform = metric_days.platform
            and metrics.metric = metric_days.metric
            and metric_days.attribution_date between spine.window_start_date and spine.as_of_date

    group by
        spine.seller_id,
        spine.platform,
        spine.as_of_date,
        spine.window_days,
        spine.window_start_date,
        metrics.metric

),

scored as (

    select

        windowed.*,
        thresholds.comparator,
        thresholds.threshold,

        case
            when thresholds.threshold is null or windowed.denominator = 0 then false
            when thresholds.comparator = '<' then windowed.numerator >= thresholds.threshold * windowed.denominator
            when thresholds.comparator = '<=' then windowed.numerator > thresholds.threshold * windowed.denominator
            when thresholds.comparator = '>' then windowed.numerator <= thresholds.threshold * windowed.denominator
            when thresholds.comparator = '>=' then windowed.numerator < thresholds.threshold * windowed.denominator
        end as is_breached

    from windowed

    left join thresholds
        on
            windowed.platform = thresholds.platform
            and windowed.metric = thresholds.metric
            and windowed.window_days = thresholds.window_days
            and windowed.as_of_date >= thresholds.effective_from
            and (thresholds.effective_to is null or windowed.as_of_date <= thresholds.effective_to)

),

pivoted as (

    select

        seller_id,
        platform,
        as_of_date,
        window_days,
        window_start_date,

        {%- for metric in metrics %}

        max(case when metric = '{{ metric }}' then numerator end) as {{ metric }}_numerator,
        max(case when metric = '{{ metric }}' then denominator end) as {{ metric }}_denominator,
        max(case when metric = '{{ metric }}' then threshold end) as {{ metric }}_threshold,
        max(case when metric = '{{ metric }}' then comparator end) as {{ metric }}_comparator,
        max(case when metric = '{{ metric }}' and is_breached then 1 else 0 end) = 1 as is_{{ metric }}_breached,
        {%- endfor %}

        {{ dbt.listagg(
            "case when is_breached then "
            ~ dbt.concat(['metric', "'@'", dbt.cast('window_days', dbt.type_string()), "'d'"])
            ~ " end",
            "', '",
            'order by metric'
        ) }} as breached_metrics

    from scored

    group by
        seller_id,
        platform,
        as_of_date,
        window_days,
        window_start_date

),

-- The as-of day's breaches over every window, shortest window first.
day_breaches as (

    select

        seller_id,
        platform,
        as_of_date,
        {{ dbt.listagg('breached_metrics', "', '", 'order by window_days') }} as at_risk_reasons

    from pivoted

    where breached_metrics is not null

    group by
        seller_id,
        platform,
        as_of_date

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key([
            'pivoted.seller_id', 'pivoted.platform', 'pivoted.as_of_date', 'pivoted.window_days'
        ]) }} as seller_scorecard_id,
        pivoted.seller_id,
        pivoted.platform,

        ---------- window
        pivoted.as_of_date,
        {{ dbt.cast('pivoted.window_days', dbt.type_int()) }} as window_days,
        pivoted.window_start_date,

        {%- for metric in metrics %}

        ---------- {{ metric }}
        pivoted.{{ metric }}_numerator,
        pivoted.{{ metric }}_denominator,
        case
            when pivoted.{{ metric }}_denominator > 0
                then {{ dbt.cast(
                    'pivoted.' ~ metric ~ '_numerator * 1.0 / pivoted.' ~ metric ~ '_denominator',
                    'decimal(9, 6)'
                ) }}
        end as {{ metric }},
        {{ dbt.cast('pivoted.' ~ metric ~ '_threshold', 'decimal(9, 4)') }} as {{ metric }}_threshold,
        pivoted.{{ metric }}_comparator,
        pivoted.is_{{ metric }}_breached,
        {%- endfor %}

        ---------- at risk
        pivoted.breached_metrics is not null as is_breached,
        pivoted.breached_metrics,
        day_breaches.at_risk_reasons is not null as is_at_risk,
        day_breaches.at_risk_reasons

    from pivoted

    left join day_breaches
        on
            pivoted.seller_id = day_breaches.seller_id
            and pivoted.platform = day_breaches.platform
            and pivoted.as_of_date = day_breaches.as_of_date

)

select * from final
