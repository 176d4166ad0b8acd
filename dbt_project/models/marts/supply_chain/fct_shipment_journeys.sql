{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='shipment_id',
        on_schema_change='fail',
    )
}}

{#- (from, to, column): hours between milestones, decimal(18, 2), null when either is missing -#}
{%- set durations = [
    ('ordered_at', 'handed_to_carrier_at', 'ordered_to_handed_over_hours'),
    ('handed_to_carrier_at', 'arrived_destination_at', 'handed_over_to_arrived_destination_hours'),
    ('arrived_destination_at', 'import_cleared_at', 'arrived_destination_to_import_cleared_hours'),
    ('import_cleared_at', 'out_for_delivery_at', 'import_cleared_to_out_for_delivery_hours'),
    ('out_for_delivery_at', 'delivered_at', 'out_for_delivery_to_delivered_hours'),
    ('ordered_at', 'first_scan_at', 'first_mile_hours'),
    ('out_for_delivery_at', 'delivered_at', 'last_mile_hours'),
] -%}

{#
    One row per shipment, from two source systems:
    - crossdock: the carriers' tracking checkpoints (one shipment per tracking_number) with the
      order's promises;
    - scms: the real USAID SCMS delivery history (one shipment per ASN/DN number), where the
      shipment mode is the service, the country the destination, the scheduled date the
      promise and the PO sent to the vendor the order.

    Incremental (delete+insert by shipment_id). Reprocessed at each build:
    - crossdock shipments whose checkpoints int_tracking_events_pivoted_to_shipments pivoted
      again in this dbt invocation (a copy in this build's batch of files);
    - crossdock shipments whose order has a line in this build's batch (the promises);
    - crossdock shipments whose lost-by-silence status moves with the lake's clock (the newest
      delivery day of any kept checkpoint): not delivered, returned or lost by a scan, and
      silent for more than lost_after_days now but not at the last build, or the reverse;
    - every SCMS shipment (a one-off history file of a few thousand shipments).
    Nothing else can change, so an incremental build equals a full refresh of the same lake.
#}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

shipments as (

    select * from {{ ref('int_tracking_events_pivoted_to_shipments') }}

),

orders as (

    select * from {{ ref('int_order_lines_aggregated_to_orders') }}

),

scms_shipments as (

    select * from {{ ref('int_scms_shipment_lines_aggregated_to_shipments') }}

),

{# order lines by file: which shipments a new (or late) order line touches #}
order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

{#
    The pivot is read apart for the clock and the touched keys: a CTE read more than once is
    materialized whole by DuckDB, one read once is inlined (and only its columns scanned).
#}

{# the lake's clock that "no scan for N days" is measured against #}
lake as (

    select max(clock.last_delivery_date) as as_of_date
    from {{ ref('int_tracking_events_pivoted_to_shipments') }} as clock

),

{% if is_incremental() %}

touched_shipments as (

    select rebuilt.tracking_number
    from {{ ref('int_tracking_events_pivoted_to_shipments') }} as rebuilt
    where rebuilt._dbt_invocation_id = '{{ invocation_id }}'

    union

    select ordered.tracking_number
    from {{ ref('int_tracking_events_pivoted_to_shipments') }} as ordered
    inner join order_lines
        on ordered.order_id = order_lines.order_id
    where {{ in_build_batch('order_lines') }}

    union

    select built.tracking_number
    from {{ this }} as built
    cross join lake
    where
        built.source_system = 'crossdock'
        and built.delivered_at is null
        and built.returned_at is null
        and coalesce(built.lost_reason, '') != 'lost_scan'
        and (built.lost_reason is not null) != (
            {{ dbt.datediff(dbt.cast('built.current_event_at', 'date'), 'lake.as_of_date', 'day') }}
            > {{ var('lost_after_days', 14) }}
        )

),

{% endif %}

crossdock_shipments as (

    select

        'crossdock' as source_system,
        shipments.tracking_number,
        {{ dbt.cast('null', dbt.type_string()) }} as asn_dn_number,
        shipments.order_id,
        shipments.carrier,
        shipments.service,
        shipments.origin_country,
        shipments.destination_country,

        orders.ordered_at,
        orders.ship_by_date,
        orders.promised_delivery_date,

        shipments.label_created_at,
        shipments.handed_to_carrier_at,
        shipments.first_scan_at,
        shipments.arrived_destination_at,
        shipments.customs_held_at,
        shipments.import_cleared_at,
        shipments.out_for_delivery_at,
        shipments.delivered_at,
        shipments.returned_at,
        shipments.lost_scan_at,

        case
            when shipments.delivered_at is not null or shipments.returned_at is not null
                then null
            when shipments.lost_scan_at is not null
                then 'lost_scan'
            when
                {{ dbt.datediff(
                    dbt.cast('shipments.current_event_at', 'date'),
                    'lake.as_of_date',
                    'day'
                ) }} > {{ var('lost_after_days', 14) }}
                then 'no_scan_for_{{ var("lost_after_days", 14) }}_days'
        end as lost_reason,

        shipments.has_exception,
        shipments.current_tag,
        shipments.current_subtag,
        shipments.current_event_at,
        shipments.event_count,
        shipments.last_delivery_date

    from shipments

    left join orders
        on shipments.order_id = orders.order_id

    cross join lake

    {% if is_incremental() %}
    where
        shipments.tracking_number in (
            select touched_shipments.tracking_number from touched_shipments
        )
    {% endif %}

),

scms as (

    select

        'scms' as source_system,
        {{ dbt.cast('null', dbt.type_string()) }} as tracking_number,
        asn_dn_number,
        {{ dbt.cast('null', dbt.type_string()) }} as order_id,
        {{ dbt.cast('null', dbt.type_string()) }} as carrier,
        shipment_mode as service,
        {{ dbt.cast('null', dbt.type_string()) }} as origin_country,
        destination_country,

        {{ dbt.cast('po_sent_to_vendor_date', dbt.type_timestamp()) }} as ordered_at,
        {{ dbt.cast('null', 'date') }} as ship_by_date,
        scheduled_delivery_date as promised_delivery_date,

        {{ dbt.cast('null', dbt.type_timestamp()) }} as label_created_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as handed_to_carrier_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as first_scan_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as arrived_destination_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as customs_held_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as import_cleared_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as out_for_delivery_at,
        {{ dbt.cast('delivered_to_client_date', dbt.type_timestamp()) }} as delivered_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as returned_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as lost_scan_at,
        {{ dbt.cast('null', dbt.type_string()) }} as lost_reason,

        false as has_exception,
        {{ dbt.cast('null', dbt.type_string()) }} as current_tag,
        {{ dbt.cast('null', dbt.type_string()) }} as current_subtag,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as current_event_at,
        {{ dbt.cast('null', dbt.type_bigint()) }} as event_count,
        last_delivery_date

    from scms_shipments

),

unioned as (

    select * from crossdock_shipments

    union all

    select * from scms

),

classified as (

    select

        *,

        case
            when returned_at is not null then 'returned'
            when delivered_at is not null then 'delivered'
            when lost_reason is not null then 'lost'
            when current_subtag = 'Exception_004' then 'held_in_customs'
            when current_tag = 'Exception' then 'exception'
            when current_tag = 'AttemptFail' then 'failed_attempt'
            when current_tag = 'AvailableForPickup' then 'available_for_pickup'
            when current_tag = 'OutForDelivery' then 'out_for_delivery'
            when current_tag = 'InfoReceived' then 'label_created'
            when current_tag = 'Expired' then 'expired'
            when current_tag = 'Pending' then 'pending'
            else 'in_transit'
        end as shipment_status,

        case
            when lost_reason = 'lost_scan' then lost_scan_at
            when lost_reason is not null then current_event_at
        end as lost_at,

        {{ dbt.cast('delivered_at', 'date') }} as delivered_date

    from unioned

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key([
            'source_system', 'coalesce(tracking_number, asn_dn_number)'
        ]) }} as shipment_id,
        source_system,
        tracking_number,
        asn_dn_number,
        order_id,

        ---------- shipment
        carrier,
        service,
        origin_country,
        destination_country,
        origin_country != destination_country as is_cross_border,

        ---------- order promises
        ordered_at,
        ship_by_date,
        promised_delivery_date,

        ---------- milestones (UTC)
        label_created_at,
        handed_to_carrier_at,
        first_scan_at,
        {{ dbt.cast('null', dbt.type_timestamp()) }} as export_cleared_at,
        arrived_destination_at,
        customs_held_at,
        import_cleared_at,
        out_for_delivery_at,
        delivered_at,
        returned_at,
        lost_at,

        ---------- current status
        shipment_status,
        lost_reason,
        current_tag,
        current_subtag,
        current_event_at,
        {{ dbt.cast('event_count', dbt.type_int()) }} as event_count,
        has_exception,

        ---------- promised vs actual
        shipment_status = 'delivered' as is_delivered,
        shipment_status = 'returned' as is_returned,
        shipment_status = 'lost' as is_lost,
        delivered_date,

        {{ dbt.cast(
            dbt.datediff('promised_delivery_date', 'delivered_date', 'day'),
            dbt.type_int()
        ) }} as days_late,

        case
            when delivered_date is not null
                then delivered_date <= promised_delivery_date
        end as is_on_time,

        case
            when handed_to_carrier_at is not null
                then {{ dbt.cast('handed_to_carrier_at', 'date') }} > ship_by_date
        end as is_shipped_late,

        ---------- consecutive milestones, then first and last mile, hours
        {% for from_at, to_at, column in durations -%}
        {{ dbt.cast(
            dbt.datediff(from_at, to_at, 'second') ~ ' / 3600.0', 'decimal(18, 2)'
        ) }} as {{ column }},
        {% endfor %}

        ---------- end to end, days
        {{ dbt.cast(
            dbt.datediff('handed_to_carrier_at', 'delivered_at', 'second') ~ ' / 86400.0',
            'decimal(18, 2)'
        ) }} as transit_days,

        {{ dbt.cast(
            dbt.datediff('ordered_at', 'delivered_at', 'second') ~ ' / 86400.0',
            'decimal(18, 2)'
        ) }} as order_to_delivery_days,

        ---------- lineage
        last_delivery_date

    from classified

)

select * from final
