{#
    One row per checkpoint (event_id) of the staged tracking rows in `relation`: the earliest
    delivered copy (earliest delivery_date, then sent_at, then file and line for a stable
    tie-break), with how many copies were delivered. A select statement, for a CTE body.

    Used by int_tracking_events_deduplicated, over the whole lake or, in an increment, over the
    copies of the shipments the build's batch touches (restricted before the window: DuckDB
    cannot push a filter on another column through it).
#}
{% macro deduplicate_tracking_events(relation) %}

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

    from (

        select

            *,

            row_number() over (
                partition by event_id
                order by delivery_date, sent_at, _source_file, _source_line
            ) as delivery_rank,

            count(*) over (partition by event_id) as times_delivered

        from {{ relation }}

    ) as ranked

    where delivery_rank = 1

{% endmacro %}
