{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='tracking_number',
        on_schema_change='fail',
    )
}}

{#
    One row per shipment (tracking_number): the first time each milestone checkpoint was seen,
    the latest checkpoint as the current status, and the return and lost evidence. Shipment
    attributes (carrier, service, order, countries) are taken from the latest checkpoint.

    Returned: a checkpoint whose message says return to sender / shipper (the IFTSTA RTS code
    and the carriers' texts map to the generic Exception_001, so the message is the evidence).
    A Delivered checkpoint after the return is the delivery back to the sender, not to the buyer.
    Lost scan: an Exception checkpoint whose message says lost (IFTSTA 49 and carrier texts).

    Incremental (delete+insert by tracking_number): the shipments that
    int_tracking_events_deduplicated rebuilt in this dbt invocation are pivoted again from all
    of their checkpoints (and marked with this invocation in `_dbt_invocation_id`, which
    fct_shipment_journeys reads); the others do not change. The lake's clock ("no scan for N
    days") is not a column here, since it moves every day: it is max(last_delivery_date).
#}

with

deduplicated_events as (

    select * from {{ ref('int_tracking_events_deduplicated') }}

),

tracking_events as (

    select *

    from deduplicated_events

    {% if is_incremental() %}
    {# every checkpoint of the shipments it rebuilt: they were inserted together (and so are
       read from the table's last row groups only) #}
    where _dbt_invocation_id = '{{ invocation_id }}'
    {% endif %}

),

classified as (

    select

        *,

        lower(coalesce(message, '')) like '%return% to sender%'
        or lower(coalesce(message, '')) like '%return% to shipper%' as is_return_scan,

        tag = 'Exception'
        and (
            lower(coalesce(message, '')) like 'lost%'
            or lower(coalesce(message, '')) like '% lost%'
        ) as is_lost_scan

    from tracking_events

),

milestones as (

    select

        tracking_number,

        min(case when tag = 'InfoReceived' then event_at end) as label_created_at,
        min(case when subtag = 'InTransit_002' then event_at end) as handed_to_carrier_at,
        min(case when tag != 'InfoReceived' then event_at end) as first_scan_at,
        min(case when subtag = 'InTransit_004' then event_at end) as arrived_destination_at,
        min(case when subtag = 'Exception_004' then event_at end) as customs_held_at,
        min(case when subtag = 'InTransit_005' then event_at end) as import_cleared_at,
        min(case when tag = 'OutForDelivery' then event_at end) as out_for_delivery_at,
        min(case when tag = 'Delivered' then event_at end) as first_delivered_at,
        min(case when is_return_scan then event_at end) as returned_at,
        min(case when is_lost_scan then event_at end) as lost_scan_at,

        max(
            case when tag = 'Exception' and coalesce(subtag, '') != 'Exception_004' then 1 else 0 end
        ) as exception_flag,

        min(event_at) as first_event_at,
        max(delivery_date) as last_delivery_date,
        count(*) as event_count

    from classified

    group by 1

),

latest_events as (

    select

        tracking_number,
        order_id,
        carrier,
        service,
        origin_country,
        destination_country,
        tag as current_tag,
        subtag as current_subtag,
        event_at as current_event_at,

        row_number() over (
            partition by tracking_number
            order by event_at desc, sent_at desc, event_id desc
        ) as recency_rank

    from tracking_events

),

final as (

    select

        milestones.tracking_number,
        latest_events.order_id,
        latest_events.carrier,
        latest_events.service,
        latest_events.origin_country,
        latest_events.destination_country,

        milestones.label_created_at,
        milestones.handed_to_carrier_at,
        milestones.first_scan_at,
        milestones.arrived_destination_at,
        milestones.customs_held_at,
        milestones.import_cleared_at,
        milestones.out_for_delivery_at,
        case
            when
                milestones.returned_at is null
                or milestones.first_delivered_at < milestones.returned_at
                then milestones.first_delivered_at
        end as delivered_at,
        milestones.returned_at,
        milestones.lost_scan_at,
        milestones.exception_flag = 1 as has_exception,
        milestones.first_event_at,

        latest_events.current_tag,
        latest_events.current_subtag,
        latest_events.current_event_at,
        milestones.event_count,
        milestones.last_delivery_date,
        '{{ invocation_id }}' as _dbt_invocation_id

    from milestones

    inner join latest_events
        on
            milestones.tracking_number = latest_events.tracking_number
            and latest_events.recency_rank = 1

)

select * from final
