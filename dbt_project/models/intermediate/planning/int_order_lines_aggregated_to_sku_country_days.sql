{#
    Demand actuals: units of the placed (not cancelled) order lines of a SKU to a destination
    country on a UTC order day, summed over platforms and over domestic and cross-border lines
    (the forecast series is sku x destination_country). Days without a placed line have no row:
    read a missing day as 0 units.
#}

with

order_lines as (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

placed_lines as (

    select

        sku,
        ship_to_country as destination_country,
        {{ dbt.cast('ordered_at', 'date') }} as demand_date,
        quantity

    from order_lines

    where order_status = 'placed'

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['sku', 'destination_country', 'demand_date']) }} as sku_country_day_id,
        sku,
        destination_country,
        demand_date,

        ---------- measures
        {{ dbt.cast('sum(quantity)', dbt.type_bigint()) }} as units,
        {{ dbt.cast('count(*)', dbt.type_bigint()) }} as order_lines

    from placed_lines

    group by
        sku,
        destination_country,
        demand_date

)

select * from final
