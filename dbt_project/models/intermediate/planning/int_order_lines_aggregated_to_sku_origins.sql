{#
    The export origin of each SKU: the country its placed cross-border lines
    (ship_from_country != ship_to_country) leave from most often (ties: the alphabetically
    first), the rule dim_sellers applies per seller. Stock for an overseas warehouse is sent
    from there. A SKU sold only domestically (from overseas warehouses) has no row.
#}

with

order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

origins as (

    select

        sku,
        ship_from_country as origin_country,
        count(*) as cross_border_lines

    from order_lines

    where
        ship_from_country != ship_to_country
        and order_status = 'placed'

    group by
        sku,
        ship_from_country

),

ranked as (

    select

        *,

        row_number() over (
            partition by sku
            order by cross_border_lines desc, origin_country asc
        ) as origin_rank

    from origins

),

final as (

    select

        ----------  ids
        sku,

        ---------- origin
        origin_country,
        {{ dbt.cast('cross_border_lines', dbt.type_bigint()) }} as cross_border_lines

    from ranked

    where origin_rank = 1

)

select * from final
