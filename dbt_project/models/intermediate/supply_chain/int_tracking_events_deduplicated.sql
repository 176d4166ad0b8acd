{#
    One row per checkpoint (event_id). A redelivered webhook payload, in the same file or in a
    later one, repeats checkpoints with the same event_id: keep the earliest delivered copy
    (macros/deduplicate_tracking_events.sql, shared with fct_shipment_events' increments).
#}

with

tracking_events as (

    select * from {{ ref('stg_carrier__tracking_events') }}

),

final as (

    {{ deduplicate_tracking_events('tracking_events') }}

)

select * from final
