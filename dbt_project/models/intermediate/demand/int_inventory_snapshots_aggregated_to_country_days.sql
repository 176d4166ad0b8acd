{#
    Overseas-warehouse stock per country x SKU x day, for censored demand: a country is out of
    stock of a SKU on a day when its warehouses reported the SKU and together hold nothing
    (sum of on_hand = 0). Days and SKUs no warehouse reported have no row.
#}

with

inventory_snapshots as (

    select * from {{ ref('int_inventory_snapshots_deduplicated') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['warehouse_country', 'sku', 'snapshot_date']) }}
            as country_stock_day_id,
        warehouse_country,
        sku,
        snapshot_date,

        ---------- stock
        {{ dbt.cast('count(*)', dbt.type_int()) }} as warehouses_reporting,
        {{ dbt.cast('sum(on_hand)', dbt.type_bigint()) }} as on_hand,
        sum(on_hand) = 0 as is_stockout

    from inventory_snapshots

    group by
        warehouse_country,
        sku,
        snapshot_date

)

select * from final
