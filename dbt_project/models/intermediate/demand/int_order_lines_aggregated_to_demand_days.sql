{#
    Demand per order day x SKU x destination country x platform: placed order lines only
    (a cancelled line is not demand), by the UTC date of ordered_at. GMV is quantity x unit
    price in the order's currency, converted to EUR line by line at the ECB rate of the order
    day (forward-filled over days without a fixing) before it is summed, because one series
    mixes currencies only if a platform does, and the sum must be in one currency.

    Incremental (delete+insert by demand_day_id): an increment recomputes, from every placed
    line in the lake, the order days x SKU x destination x platform of the placed lines in the
    build's batch of files (a late line of an old day included). ECB rates are read as of the
    build: a change to them needs a --full-refresh.
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='demand_day_id',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

order_lines as not materialized (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

daily_rates as (

    select * from {{ ref('int_ecb_rates_filled_to_days') }}

),

placed_lines as not materialized (

    select

        order_id,
        sku,
        ship_to_country as destination_country,
        platform,
        currency,
        {{ dbt.cast('ordered_at', 'date') }} as order_date,
        quantity,
        quantity * unit_price as line_value,
        delivery_date,
        _file_sha256

    from order_lines

    where order_status = 'placed'

),

lines_to_aggregate as (

    {{ rows_of_touched_keys('placed_lines', ['order_date', 'sku', 'destination_country', 'platform']) }}

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

    from lines_to_aggregate as placed_lines

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
