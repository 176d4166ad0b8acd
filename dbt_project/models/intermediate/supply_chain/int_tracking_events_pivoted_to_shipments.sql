{#
    One row per shipment (tracking_number): the first time each milestone checkpoint was seen,
    and the latest checkpoint as the current status. Shipment attributes (carrier, service,
    order, countries) are taken from the latest checkpoint.
#}

with

tracking_events as (

    select * from {{ ref('int_tracking_events_deduplicated') }}

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
        min(case when tag = 'Delivered' then event_at end) as delivered_at,

        min(event_at) as first_event_at,
        count(*) as event_count

    from tracking_events

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
        milestones.delivered_at,
        milestones.first_event_at,

        latest_events.current_tag,
        latest_events.current_subtag,
        latest_events.current_event_at,
        milestones.event_count

    from milestones

    inner join latest_events
        on
            milestones.tracking_number = latest_events.tracking_number
            and latest_events.recency_rank = 1

)

select * from final
