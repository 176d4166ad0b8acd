{#
    Demand actuals: units of the placed (not cancelled) order lines of a SKU to a destination
    country on a UTC order day, summed over platforms and over domestic and cross-border lines
    (the forecast series is sku x destination_country). Days without a placed line have no row:
    read a missing day as 0 units.

    Incremental (delete+insert by sku_country_day_id): an increment recomputes, from every
    placed line in the lake, the SKU x country x days of the placed lines in the build's batch
    of files (a late line of an old day included).
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='sku_country_day_id',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

order_lines as not materialized (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

placed_lines as not materialized (

    select

        sku,
        ship_to_country as destination_country,
        {{ dbt.cast('ordered_at', 'date') }} as demand_date,
        quantity,
        delivery_date,
        _file_sha256

    from order_lines

    where order_status = 'placed'

),

lines_to_aggregate as (

    {{ rows_of_touched_keys('placed_lines', ['sku', 'destination_country', 'demand_date']) }}

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

    from lines_to_aggregate

    group by
        sku,
        destination_country,
        demand_date

)

select * from final
