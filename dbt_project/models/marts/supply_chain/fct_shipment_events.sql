{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='tracking_number',
        on_schema_change='fail',
    )
}}

{#
    Canonical tracking events: one row per checkpoint (event_id), the earliest delivered copy,
    numbered in event-time order per shipment, with how the checkpoint arrived.

    Incremental: a shipment is touched when any copy of any of its checkpoints was delivered on
    or after (newest delivery_date already built - shipment_events_lookback_days). Every event
    of a touched shipment is recomputed from the whole lake (sequence numbers and arrival flags
    depend on all of the shipment's events) and replaces the shipment's rows (delete+insert by
    tracking_number). Data delivered with an older delivery_date than the window needs a
    full refresh.

    Arrival order: delivery_date, then sent_at, _source_file, _source_line (the order in which
    copies are kept in int_tracking_events_deduplicated). Checkpoints of the same payload
    arrived together: none of them is out of order with respect to the others.
#}

with

{# every delivered copy, duplicates included #}
delivered_copies as (

    select * from {{ ref('stg_carrier__tracking_events') }}

),

{% if is_incremental() %}

built as (

    select
        {{ dbt.dateadd(
            'day',
            -1 * var('shipment_events_lookback_days', 3),
            'max(delivery_date)'
        ) }} as reprocess_from
    from {{ this }}

),

touched_shipments as (

    select distinct delivered_copies.tracking_number
    from delivered_copies
    cross join built
    where
        built.reprocess_from is null
        or delivered_copies.delivery_date >= {{ dbt.cast('built.reprocess_from', 'date') }}

),

{% endif %}

{# the copies to sequence: all of them, or in an increment those of the touched shipments #}
copies_to_sequence as (

    select delivered_copies.*
    from delivered_copies
    {% if is_incremental() %}
    inner join touched_shipments
        on delivered_copies.tracking_number = touched_shipments.tracking_number
    {% endif %}

),

tracking_events as (

    {{ deduplicate_tracking_events('copies_to_sequence') }}

),

shipment_events as (

    select

        *,
        {{ generate_surrogate_key([
            'delivery_date', 'sent_at', '_source_file', '_source_line'
        ]) }} as arrival_id

    from tracking_events

),

arrivals as (

    select

        tracking_number,
        arrival_id,
        delivery_date,
        sent_at,
        _source_file,
        _source_line,
        max(event_at) as latest_event_at_in_arrival

    from shipment_events

    group by 1, 2, 3, 4, 5, 6

),

arrival_order as (

    select

        *,

        dense_rank() over (
            partition by tracking_number
            order by delivery_date, sent_at, _source_file, _source_line
        ) as arrival_rank,

        max(latest_event_at_in_arrival) over (
            partition by tracking_number
            order by delivery_date, sent_at, _source_file, _source_line
            rows between unbounded preceding and 1 preceding
        ) as latest_event_at_before_arrival

    from arrivals

),

sequenced as (

    select

        shipment_events.*,

        row_number() over (
            partition by shipment_events.tracking_number
            order by shipment_events.event_at, shipment_events.event_id
        ) as event_sequence,

        arrival_order.arrival_rank,
        arrival_order.latest_event_at_before_arrival,

        {{ dbt.datediff(
            dbt.cast('shipment_events.event_at', 'date'),
            'shipment_events.delivery_date',
            'day'
        ) }} as arrival_lag_days

    from shipment_events

    inner join arrival_order
        on
            shipment_events.tracking_number = arrival_order.tracking_number
            and shipment_events.arrival_id = arrival_order.arrival_id

),

final as (

    select

        ----------  ids
        event_id,
        tracking_number,
        {{ dbt.cast('event_sequence', dbt.type_int()) }} as event_sequence,
        webhook_event_id,
        order_id,

        ---------- shipment
        carrier,
        service,
        origin_country,
        destination_country,

        ---------- checkpoint
        tag,
        subtag,
        message,
        location,
        event_country,
        event_at,

        ---------- arrival
        sent_at,
        delivery_date,
        {{ dbt.cast('arrival_rank', dbt.type_int()) }} as arrival_rank,
        {{ dbt.cast('arrival_lag_days', dbt.type_int()) }} as arrival_lag_days,
        arrival_lag_days > {{ var('late_arrival_days', 1) }} as is_late_arrival,
        coalesce(latest_event_at_before_arrival > event_at, false) as is_out_of_order,
        {{ dbt.cast('times_delivered', dbt.type_int()) }} as times_delivered,

        ---------- lineage of the kept copy
        _source_file,
        _source_line,
        _file_sha256

    from sequenced

)

select * from final
