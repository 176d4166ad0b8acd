with

orders as (

    select * from {{ ref('int_order_lines_aggregated_to_orders') }}

),

final as (

    select

        ----------  ids
        order_id,
        platform,
        seller_id,

        ---------- dates and timestamps (UTC)
        ordered_at,
        {{ dbt.cast('ordered_at', 'date') }} as order_date,
        ship_by_date,
        promised_delivery_date,

        ---------- route
        ship_from_country,
        ship_to_country,
        ship_from_country != ship_to_country as is_cross_border,

        ---------- status and measures
        currency,
        order_status,
        line_count,
        {{ dbt.cast('units', dbt.type_bigint()) }} as units,
        order_value

    from orders

)

select * from final
