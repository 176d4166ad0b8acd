{#
    One row per seller x platform. ship_from_country is the seller's export origin: the
    country its cross-border orders leave from most often (ties: the alphabetically first);
    domestic orders leave from overseas warehouses in the buyer's country instead. Null for a
    seller with domestic orders only.

    Incremental (delete+insert by seller_key): an increment recomputes, from every order, the
    sellers x platforms with a line in the build's batch of files (seller_id and platform are
    required by the feed contract: never null).
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='seller_key',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

all_orders as (

    select * from {{ ref('int_order_lines_aggregated_to_orders') }}

),

order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

{% if is_incremental() %}

touched_sellers as (

    select distinct
        seller_id,
        platform
    from order_lines
    where {{ in_build_batch() }}

),

{% endif %}

orders as (

    select all_orders.*
    from all_orders
    {% if is_incremental() %}
    inner join touched_sellers
        on
            all_orders.seller_id = touched_sellers.seller_id
            and all_orders.platform = touched_sellers.platform
    {% endif %}

),

seller_orders as (

    select

        seller_id,
        platform,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as orders,
        sum(case when order_status = 'cancelled' then 1 else 0 end) as cancelled_orders,
        sum(case when ship_from_country = ship_to_country then 1 else 0 end) as domestic_orders

    from orders

    group by
        seller_id,
        platform

),

origins as (

    select

        seller_id,
        platform,
        ship_from_country,
        count(*) as orders

    from orders

    where ship_from_country != ship_to_country

    group by
        seller_id,
        platform,
        ship_from_country

),

ranked_origins as (

    select

        *,

        row_number() over (
            partition by seller_id, platform
            order by orders desc, ship_from_country asc
        ) as origin_rank

    from origins

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['seller_orders.seller_id', 'seller_orders.platform']) }} as seller_key,
        seller_orders.seller_id,
        seller_orders.platform,

        ---------- attributes
        ranked_origins.ship_from_country,

        ---------- activity
        seller_orders.first_order_at,
        seller_orders.last_order_at,
        seller_orders.orders,
        {{ dbt.cast('seller_orders.cancelled_orders', dbt.type_bigint()) }} as cancelled_orders,
        {{ dbt.cast('seller_orders.domestic_orders', dbt.type_bigint()) }} as domestic_orders

    from seller_orders

    left join ranked_origins
        on
            seller_orders.seller_id = ranked_origins.seller_id
            and seller_orders.platform = ranked_origins.platform
            and ranked_origins.origin_rank = 1

)

select * from final
