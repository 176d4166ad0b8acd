{#
    Demand per order day x SKU x destination country x platform: placed order lines only
    (a cancelled line is not demand), by the UTC date of ordered_at. GMV is quantity x unit
    price in the order's currency, converted to EUR line by line at the ECB rate of the order
    day (forward-filled over days without a fixing) before it is summed, because one series
    mixes currencies only if a platform does, and the sum must be in one currency.
#}

with

order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

daily_rates as (

    select * from {{ ref('int_ecb_rates_filled_to_days') }}

),

placed_lines as (

    select

        order_id,
        sku,
        ship_to_country as destination_country,
        platform,
        currency,
        {{ dbt.cast('ordered_at', 'date') }} as order_date,
        quantity,
        quantity * unit_price as line_value

    from order_lines

    where order_status = 'placed'

),

converted as (

    select

        placed_lines.order_id,
        placed_lines.sku,
        placed_lines.destination_country,
        placed_lines.platform,
        placed_lines.order_date,
        placed_lines.quantity,
        {{ convert_currency(
            'placed_lines.line_value', 'placed_lines.currency', "'EUR'",
            'daily_rates.per_eur', '1.0'
        ) }} as line_value_eur

    from placed_lines

    left join daily_rates
        on
            placed_lines.currency = daily_rates.currency
            and placed_lines.order_date = daily_rates.date_day

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['order_date', 'sku', 'destination_country', 'platform']) }}
            as demand_day_id,
        order_date,
        sku,
        destination_country,
        platform,

        ---------- measures
        {{ dbt.cast('sum(quantity)', dbt.type_bigint()) }} as units,
        {{ dbt.cast('count(distinct order_id)', dbt.type_bigint()) }} as orders,
        {{ dbt.cast('sum(line_value_eur)', 'decimal(18, 2)') }} as gmv_eur

    from converted

    group by
        order_date,
        sku,
        destination_country,
        platform

)

select * from final
