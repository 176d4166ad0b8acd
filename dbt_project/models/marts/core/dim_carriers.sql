{#
    One row per carrier slug seen in the tracking events, with its display name, home country
    and type from the carriers seed (a slug missing from the seed is named by itself).
#}

with

tracking_events as (

    select * from {{ ref('stg_carrier__tracking_events') }}

),

carriers as (

    select * from {{ ref('carriers') }}

),

carrier_activity as (

    select

        carrier,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        count(distinct tracking_number) as shipments

    from tracking_events

    where carrier is not null

    group by carrier

),

final as (

    select

        ----------  ids
        carrier_activity.carrier,

        ---------- attributes
        coalesce(carriers.carrier_name, carrier_activity.carrier) as carrier_name,
        carriers.headquarters_country,
        carriers.carrier_type,
        carriers.carrier is not null as is_in_reference,

        ---------- activity
        carrier_activity.first_event_at,
        carrier_activity.last_event_at,
        carrier_activity.shipments

    from carrier_activity

    left join carriers
        on carrier_activity.carrier = carriers.carrier

)

select * from final
