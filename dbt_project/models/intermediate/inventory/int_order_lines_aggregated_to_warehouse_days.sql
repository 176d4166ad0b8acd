{#
    Units sold from overseas warehouses per warehouse country x SKU x order day. As in the
    simulator (simulator/inventory.py), an order shipped from an overseas warehouse is a
    domestic one: ship_from_country = ship_to_country, the seller's stock already sits in the
    buyer's country. Cancelled orders sell nothing. The order day is the UTC date of ordered_at.
#}

with

order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

warehouse_lines as (

    select

        ship_from_country as warehouse_country,
        sku,
        {{ dbt.cast('ordered_at', 'date') }} as sale_date,
        quantity

    from order_lines

    where
        ship_from_country = ship_to_country
        and order_status = 'placed'

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

    from warehouse_lines

    group by
        warehouse_country,
        sku,
        sale_date

)

select * from final
