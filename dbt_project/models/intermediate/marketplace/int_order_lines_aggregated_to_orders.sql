{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
    )
}}

{#
    One row per order. Order-level attributes are repeated on every line of an order, so they
    are part of the group by: lines of one order that disagree on them would produce two rows
    for the order and fail its unique test instead of being silently merged.

    Incremental (delete+insert by order_id): an increment recomputes, from every line in the
    lake, the orders with a line in the build's batch of files (a late line of an old order
    included). A table, so that its readers and tests do not re-aggregate the lake.
#}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

order_lines as not materialized (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

{% if is_incremental() %}

touched_orders as (

    select distinct order_id
    from order_lines
    where {{ in_build_batch() }}

),

{% endif %}

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

    {% if is_incremental() %}
    where order_id in (select touched_orders.order_id from touched_orders)
    {% endif %}

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
