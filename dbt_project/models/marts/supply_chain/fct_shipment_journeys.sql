with

shipments as (

    select * from {{ ref('int_tracking_events_pivoted_to_shipments') }}

),

orders as (

    select * from {{ ref('int_order_lines_aggregated_to_orders') }}

),

joined as (

    select

        shipments.*,
        orders.ordered_at,
        orders.ship_by_date,
        orders.promised_delivery_date

    from shipments

    left join orders
        on shipments.order_id = orders.order_id

),

final as (

    select

        ----------  ids
        tracking_number,
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
        arrived_destination_at,
        customs_held_at,
        import_cleared_at,
        out_for_delivery_at,
        delivered_at,

        ---------- current status
        current_tag,
        current_subtag,
        current_event_at,
        event_count,

        ---------- performance
        delivered_at is not null as is_delivered,

        case
            when delivered_at is not null
                then {{ dbt.cast('delivered_at', 'date') }} <= promised_delivery_date
        end as is_on_time,

        case
            when handed_to_carrier_at is not null
                then {{ dbt.cast('handed_to_carrier_at', 'date') }} > ship_by_date
        end as is_shipped_late,

        {{ dbt.cast(
            dbt.datediff('handed_to_carrier_at', 'delivered_at', 'second') ~ ' / 86400.0',
            'decimal(18, 2)'
        ) }} as transit_days,

        {{ dbt.cast(
            dbt.datediff('ordered_at', 'delivered_at', 'second') ~ ' / 86400.0',
            'decimal(18, 2)'
        ) }} as order_to_delivery_days

    from joined

)

select * from final
