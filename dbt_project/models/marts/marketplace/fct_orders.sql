{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
    )
}}

{#
    Incremental (delete+insert by order_id): an increment rewrites the orders with a line in
    the build's batch of files, from int_order_lines_aggregated_to_orders (which recomputed them).
#}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

orders as (

    select * from {{ ref('int_order_lines_aggregated_to_orders') }}

),

order_lines as (

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

    {% if is_incremental() %}
    where order_id in (select touched_orders.order_id from touched_orders)
    {% endif %}

)

select * from final
