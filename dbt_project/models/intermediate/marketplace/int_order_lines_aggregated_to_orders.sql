{#
    One row per order. Order-level attributes are repeated on every line of an order, so they
    are part of the group by: lines of one order that disagree on them would produce two rows
    for the order and fail its unique test instead of being silently merged.
#}

with

order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

final as (

    select

        order_id,
        platform,
        seller_id,
        ordered_at,
        ship_by_date,
        promised_delivery_date,
        ship_from_country,
        ship_to_country,
        currency,
        order_status,

        count(*) as line_count,
        sum(quantity) as units,
        {{ dbt.cast('sum(quantity * unit_price)', 'decimal(18, 2)') }} as order_value

    from order_lines

    group by
        order_id,
        platform,
        seller_id,
        ordered_at,
        ship_by_date,
        promised_delivery_date,
        ship_from_country,
        ship_to_country,
        currency,
        order_status

)

select * from final
