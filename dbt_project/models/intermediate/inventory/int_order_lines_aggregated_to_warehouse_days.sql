{#
    Units sold from overseas warehouses per warehouse country x SKU x order day. As in the
    simulator (simulator/inventory.py), an order shipped from an overseas warehouse is a
    domestic one: ship_from_country = ship_to_country, the seller's stock already sits in the
    buyer's country. Cancelled orders sell nothing. The order day is the UTC date of ordered_at.

    Incremental (delete+insert by warehouse_sku_day_id): an increment recomputes, from every
    line in the lake, the warehouse country x SKU x days of the warehouse lines in the build's
    batch of files (a late line of an old day included).
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='warehouse_sku_day_id',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

order_lines as not materialized (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

warehouse_lines as not materialized (

    select

        ship_from_country as warehouse_country,
        sku,
        {{ dbt.cast('ordered_at', 'date') }} as sale_date,
        quantity,
        delivery_date,
        _file_sha256

    from order_lines

    where
        ship_from_country = ship_to_country
        and order_status = 'placed'

),

lines_to_aggregate as (

    {{ rows_of_touched_keys('warehouse_lines', ['warehouse_country', 'sku', 'sale_date']) }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['warehouse_country', 'sku', 'sale_date']) }} as warehouse_sku_day_id,
        warehouse_country,
        sku,
        sale_date,

        ---------- measures
        {{ dbt.cast('sum(quantity)', dbt.type_bigint()) }} as units_sold

    from lines_to_aggregate

    group by
        warehouse_country,
        sku,
        sale_date

)

select * from final
