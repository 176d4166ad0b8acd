{#
    Replenishment advice per SKU x overseas warehouse, as of the warehouse's latest stock
    report (docs/replenishment.md has the formulas, policy, units and fallbacks).

    - Demand D (units/day) and its daily standard deviation sigma_D: the chosen model's
      forecasts of the newest refresh for the series sku x warehouse_country, averaged over
      the target days in the lead time after the as-of day (sigma_D: root mean square of the
      days' standard deviations). Without such a forecast (before the first refresh, a new
      series, a stale run), the trailing sales of the series: mean and sample standard
      deviation of the daily units over the last `replenishment_trailing_demand_days` days
      (zero days included).
    - Lead time LT and sigma_LT (days): fct_lane_lead_times, the mean and sample standard
      deviation of transit_days (hand-over to delivery, customs dwell included) of the
      delivered cross-border crossdock shipments of the lane (the SKU's export origin -> the
      warehouse's country), delivered in the `replenishment_lead_time_lookback_days` days up
      to the newest delivery. Fewer than
      `replenishment_min_lane_shipments` shipments on the lane: every origin into the
      warehouse's country; fewer there too: the whole network (at least 2 shipments).
    - SS = z * sqrt(LT * sigma_D^2 + D^2 * sigma_LT^2), ROP = D * LT + SS, with z the
      standard normal quantile of `replenishment_service_level`.
    - Order: when the inventory position (on hand - reserved + inbound) is at or below ROP,
      order up to ROP + D * review_days (whole units, rounded up); otherwise nothing.
#}

{%- set service_level = var('replenishment_service_level', 0.95) -%}
{%- set review_days = var('replenishment_review_days', 7) -%}
{%- set min_lane_shipments = var('replenishment_min_lane_shipments', 30) -%}
{%- set trailing_days = var('replenishment_trailing_demand_days', 28) -%}

{#- z: Wichura's algorithm AS241 (PPND16) for the standard normal quantile, exact to double
    precision (the algorithm of Python's statistics.NormalDist.inv_cdf). Polynomial coefficients,
    highest degree first, for the central region (|p - 0.5| <= 0.425), the tail up to
    sqrt(-ln(1 - p)) = 5, and beyond (the service level is at least 0.5: upper tail only). -#}
{%- set as241 = {
    'central_num': [
        2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
        13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.3871328727963666080,
    ],
    'central_den': [
        5226.4952788528545610, 28729.085735721942674, 39307.895800092710610, 21213.794301586595867,
        5394.1960214247511077, 687.18700749205790830, 42.313330701600911252, 1.0,
    ],
    'tail_num': [
        7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
        1.27045825245236838258, 3.64784832476320460504, 5.76949722146069140550,
        4.63033784615654529590, 1.42343711074968357734,
    ],
    'tail_den': [
        1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
        1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940,
        2.05319162663775882187, 1.0,
    ],
    'far_num': [
        2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
        2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580,
        5.46378491116411436990, 6.65790464350110377720,
    ],
    'far_den': [
        2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
        7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
        5.99832206555887937690e-1, 1.0,
    ],
} -%}
{%- set variables = {'central': 'central_r', 'tail': 'tail_r - 1.6', 'far': 'tail_r - 5'} -%}
{%- set horner = namespace(polynomials={}) -%}
{%- for name, coefficients in as241.items() -%}
{%- set ns = namespace(expression='0') -%}
{%- for k in coefficients -%}
{%- set ns.expression = '(' ~ ns.expression ~ ') * (' ~ variables[name.split('_')[0]] ~ ') + ' ~ k -%}
{%- endfor -%}
{%- do horner.polynomials.update({name: ns.expression}) -%}
{%- endfor %}

with

inventory as (

    select * from {{ ref('fct_inventory_daily') }}

),

lane_lead_times as (

    select * from {{ ref('fct_lane_lead_times') }}

),

demand_days as (

    select * from {{ ref('int_order_lines_aggregated_to_sku_country_days') }}

),

sku_origins as (

    select * from {{ ref('int_order_lines_aggregated_to_sku_origins') }}

),

forecasts as (

    select * from {{ ref('int_forecasts_filtered_to_latest_runs') }}

),

---------- the policy's parameters, checked (a bad var fails the build), and z

parameters as (

    select

        case
            when {{ service_level }} >= 0.5 and {{ service_level }} < 1
                then {{ dbt.cast(service_level, 'double') }}
            else error('var replenishment_service_level must be in [0.5, 1), got {{ service_level }}')
        end as service_level,

        case
            when {{ review_days }} >= 0 then {{ review_days }}
            else error('var replenishment_review_days must be >= 0, got {{ review_days }}')
        end as review_days

),

quantile_inputs as (

    select

        service_level,
        review_days,
        0.180625 - (service_level - 0.5) * (service_level - 0.5) as central_r,
        sqrt(-ln(1 - service_level)) as tail_r

    from parameters

),

z_score as (

    select

        service_level,
        review_days,

        case
            when service_level - 0.5 <= 0.425
                then
                    (service_level - 0.5) * ({{ horner.polynomials['central_num'] }})
                    / ({{ horner.polynomials['central_den'] }})
            when tail_r <= 5
                then ({{ horner.polynomials['tail_num'] }}) / ({{ horner.polynomials['tail_den'] }})
            else ({{ horner.polynomials['far_num'] }}) / ({{ horner.polynomials['far_den'] }})
        end as z

    from quantile_inputs

),

---------- stock at each warehouse's latest report

warehouse_reports as (

    select

        warehouse_id,
        max(snapshot_date) as as_of_date

    from inventory

    group by warehouse_id

),

stock as (

    select

        warehouse_reports.as_of_date,
        inventory.warehouse_id,
        inventory.warehouse_country,
        inventory.sku,
        sku_origins.origin_country,
        inventory.on_hand,
        inventory.reserved,
        inventory.inbound_in_transit

    from inventory

    inner join warehouse_reports
        on
            inventory.warehouse_id = warehouse_reports.warehouse_id
            and inventory.snapshot_date = warehouse_reports.as_of_date

    left join sku_origins
        on inventory.sku = sku_origins.sku

),

---------- measured lead times: lane, else destination, else network

lead_time_levels as (

    select

        case lead_time_basis when 'lane' then 1 when 'destination' then 2 else 3 end as level_rank,
        lead_time_basis,
        origin_country,
        destination_country,
        shipments,
        mean_days,
        sd_days

    from lane_lead_times

    where
        (lead_time_basis in ('lane', 'destination') and shipments >= {{ min_lane_shipments }})
        or (lead_time_basis = 'network' and shipments >= 2)

),

stock_lead_times as (

    select

        stock.*,
        lead_time_levels.lead_time_basis,
        lead_time_levels.shipments as lead_time_shipments,
        lead_time_levels.mean_days as lead_time_mean_days,
        lead_time_levels.sd_days as lead_time_sd_days

    from stock

    left join lead_time_levels
        on
            (lead_time_levels.origin_country is null or stock.origin_country = lead_time_levels.origin_country)
            and (
                lead_time_levels.destination_country is null
                or stock.warehouse_country = lead_time_levels.destination_country
            )

    qualify row_number() over (
        partition by stock.warehouse_id, stock.sku
        order by lead_time_levels.level_rank asc nulls last
    ) = 1

),

---------- demand: the forecast over the lead time, else trailing sales

{%- set lead_time_days = dbt.cast('ceil(stock_lead_times.lead_time_mean_days)', dbt.type_int()) %}
forecast_windows as (

    select

        stock_lead_times.warehouse_id,
        stock_lead_times.sku,
        min(forecasts.forecast_run_id) as forecast_run_id,
        min(forecasts.cutoff_date) as forecast_cutoff_date,
        min(forecasts.model_name) as forecast_model,
        count(*) as forecast_days,
        avg(forecasts.forecast_units) as daily_demand_units,
        sqrt(avg(forecasts.demand_sd_units * forecasts.demand_sd_units)) as daily_demand_sd_units,
        min(forecasts.backtest_mase) as backtest_mase,
        min(forecasts.backtest_wape) as backtest_wape,
        min(forecasts.backtest_coverage_95) as backtest_coverage_95

    from stock_lead_times

    inner join forecasts
        on
            stock_lead_times.sku = forecasts.sku
            and stock_lead_times.warehouse_country = forecasts.destination_country
            and stock_lead_times.as_of_date < forecasts.target_date
            and stock_lead_times.as_of_date + {{ lead_time_days }} >= forecasts.target_date

    group by
        stock_lead_times.warehouse_id,
        stock_lead_times.sku

),

demand_clock as (

    select min(demand_date) as first_demand_date
    from demand_days

),

trailing_sales as (

    select

        stock.warehouse_id,
        stock.sku,
        sum(demand_days.units) as units,
        sum(demand_days.units * demand_days.units) as units_squared

    from stock

    inner join demand_days
        on
            stock.sku = demand_days.sku
            and stock.warehouse_country = demand_days.destination_country
            and stock.as_of_date - {{ trailing_days }} < demand_days.demand_date
            and stock.as_of_date >= demand_days.demand_date

    group by
        stock.warehouse_id,
        stock.sku

),

trailing_demand as (

    select

        stock.warehouse_id,
        stock.sku,
        coalesce(trailing_sales.units, 0) as units,
        coalesce(trailing_sales.units_squared, 0) as units_squared,

        -- the window, cut at the first day of demand data
        greatest(
            least(
                {{ trailing_days }},
                {{ dbt.datediff('demand_clock.first_demand_date', 'stock.as_of_date', 'day') }} + 1
            ),
            1
        ) as window_days

    from stock

    cross join demand_clock

    left join trailing_sales
        on
            stock.warehouse_id = trailing_sales.warehouse_id
            and stock.sku = trailing_sales.sku

),

demand as (

    select

        stock_lead_times.*,
        forecast_windows.forecast_run_id,
        forecast_windows.forecast_cutoff_date,
        forecast_windows.forecast_model,
        forecast_windows.backtest_mase,
        forecast_windows.backtest_wape,
        forecast_windows.backtest_coverage_95,
        coalesce(forecast_windows.forecast_days, 0) as forecast_days,

        case
            when forecast_windows.forecast_days > 0 then 'forecast'
            else 'trailing_sales'
        end as demand_basis,

        case
            when forecast_windows.forecast_days > 0
                then greatest(forecast_windows.daily_demand_units, 0)
            else trailing_demand.units * 1.0 / trailing_demand.window_days
        end as daily_demand_units,

        case
            when forecast_windows.forecast_days > 0
                then forecast_windows.daily_demand_sd_units
            when trailing_demand.window_days >= 2
                then sqrt(
                    greatest(
                        (
                            trailing_demand.units_squared
                            - trailing_demand.units * trailing_demand.units * 1.0 / trailing_demand.window_days
                        ) / (trailing_demand.window_days - 1),
                        0
                    )
                )
        end as daily_demand_sd_units

    from stock_lead_times

    left join forecast_windows
        on
            stock_lead_times.warehouse_id = forecast_windows.warehouse_id
            and stock_lead_times.sku = forecast_windows.sku

    left join trailing_demand
        on
            stock_lead_times.warehouse_id = trailing_demand.warehouse_id
            and stock_lead_times.sku = trailing_demand.sku

),

---------- safety stock, reorder point, order

levels as (

    select

        demand.*,
        z_score.service_level,
        z_score.review_days,
        z_score.z,
        demand.on_hand - demand.reserved + demand.inbound_in_transit as inventory_position,

        {{ dbt.cast(
            'round(demand.daily_demand_units * demand.lead_time_mean_days, 2)', 'decimal(18, 2)'
        ) }} as lead_time_demand_units,

        {{ dbt.cast(
            'round(z_score.z * sqrt('
            ~ 'demand.lead_time_mean_days * demand.daily_demand_sd_units * demand.daily_demand_sd_units'
            ~ ' + demand.daily_demand_units * demand.daily_demand_units'
            ~ ' * demand.lead_time_sd_days * demand.lead_time_sd_days), 2)',
            'decimal(18, 2)'
        ) }} as safety_stock_units,

        {{ dbt.cast(
            'round(demand.daily_demand_units * z_score.review_days, 2)', 'decimal(18, 2)'
        ) }} as review_period_demand_units

    from demand

    cross join z_score

),

orders as (

    select

        *,
        {{ dbt.cast('lead_time_demand_units + safety_stock_units', 'decimal(18, 2)') }} as reorder_point_units,
        {{ dbt.cast(
            'lead_time_demand_units + safety_stock_units + review_period_demand_units', 'decimal(18, 2)'
        ) }} as order_up_to_units

    from levels

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['warehouse_id', 'sku']) }} as replenishment_advice_id,
        as_of_date,
        warehouse_id,
        warehouse_country,
        sku,
        origin_country,

        ---------- stock (end of the as-of day)
        on_hand,
        reserved,
        inbound_in_transit,
        {{ dbt.cast('inventory_position', dbt.type_bigint()) }} as inventory_position,

        ---------- demand
        demand_basis,
        forecast_run_id,
        forecast_cutoff_date,
        forecast_model,
        {{ dbt.cast('forecast_days', dbt.type_int()) }} as forecast_days,
        backtest_mase,
        backtest_wape,
        backtest_coverage_95,
        {{ dbt.cast('daily_demand_units', 'double') }} as daily_demand_units,
        {{ dbt.cast('daily_demand_sd_units', 'double') }} as daily_demand_sd_units,

        ---------- lead time
        lead_time_basis,
        {{ dbt.cast('lead_time_shipments', dbt.type_bigint()) }} as lead_time_shipments,
        lead_time_mean_days,
        lead_time_sd_days,

        ---------- policy
        {{ dbt.cast('service_level', 'double') }} as service_level,
        {{ dbt.cast('z', 'double') }} as z_score,
        {{ dbt.cast('review_days', dbt.type_int()) }} as review_days,
        lead_time_demand_units,
        safety_stock_units,
        reorder_point_units,
        review_period_demand_units,
        order_up_to_units,

        ---------- advice
        case
            when reorder_point_units is null then null
            when inventory_position <= reorder_point_units
                then {{ dbt.cast('ceil(order_up_to_units - inventory_position)', dbt.type_bigint()) }}
            else 0
        end as recommended_order_units,

        coalesce(
            inventory_position <= reorder_point_units and order_up_to_units > inventory_position,
            false
        ) as is_reorder,

        case
            when daily_demand_units > 0
                then {{ dbt.cast('on_hand / daily_demand_units', 'decimal(18, 2)') }}
        end as days_until_stockout

    from orders

)

select * from final
