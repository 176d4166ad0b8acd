{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='tracking_number',
        on_schema_change='fail',
    )
}}

{#
    Canonical tracking events: one row per checkpoint (event_id), the earliest delivered copy
    (int_tracking_events_deduplicated), numbered in event-time order per shipment, with how
    the checkpoint arrived.

    Incremental (delete+insert by tracking_number): the shipments that
    int_tracking_events_deduplicated rebuilt in this dbt invocation (those with a copy in this
    build's batch of files) are sequenced again from all of their checkpoints (sequence numbers
    and arrival flags depend on every event of the shipment); the others do not change. Exact
    for late files and redeliveries of any age.

    Arrival order: delivery_date, then sent_at, _source_file, _source_line (the order in which
    copies are kept in int_tracking_events_deduplicated). Checkpoints of the same payload
    arrived together: none of them is out of order with respect to the others.
#}

with

deduplicated_events as (

    select * from {{ ref('int_tracking_events_deduplicated') }}

),

tracking_events as (

    select

        event_id,
        webhook_event_id,
        tracking_number,
        order_id,
        carrier,
        service,
        origin_country,
        destination_country,
        tag,
        subtag,
        message,
        location,
        event_country,
        event_at,
        sent_at,
        times_delivered,
        _source_file,
        _source_line,
        _file_sha256,
        delivery_date

    from deduplicated_events

    {% if is_incremental() %}
    {# every checkpoint of the shipments it rebuilt: they were inserted together (and so are
       read from the table's last row groups only) #}
    where _dbt_invocation_id = '{{ invocation_id }}'
    {% endif %}

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
