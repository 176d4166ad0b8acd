{#
    One row per checkpoint (event_id). A redelivered webhook payload, in the same file or in a
    later one, repeats checkpoints with the same event_id: keep the earliest delivered copy
    (earliest delivery_date, then sent_at, then file and line for a stable tie-break).
#}

with

tracking_events as (

    select * from {{ ref('stg_carrier__tracking_events') }}

),

ranked as (

    select

        *,

        row_number() over (
            partition by event_id
            order by delivery_date, sent_at, _source_file, _source_line
        ) as delivery_rank,

        count(*) over (partition by event_id) as times_delivered

    from tracking_events

),

final as (

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

    from ranked

    where delivery_rank = 1

)

select * from final
