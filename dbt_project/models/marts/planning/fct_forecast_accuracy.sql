{#
    Every past forecast (every refresh, series, target day and model) whose target day the
    demand data has reached, joined to the actual units of that day. The data's clock is the
    newest UTC order day with a placed line (last_demand_date); a target day up to it without a
    placed line had 0 units. Interval bounds are inclusive.
#}

with

forecasts as (

    select * from {{ ref('stg_forecasts__forecasts') }}

),

demand_days as (

    select * from {{ ref('int_order_lines_aggregated_to_sku_country_days') }}

),

data_clock as (

    select max(demand_date) as last_demand_date
    from demand_days

),

scored as (

    select

        forecasts.*,
        {{ dbt.cast('coalesce(demand_days.units, 0)', dbt.type_bigint()) }} as actual_units

    from forecasts

    inner join data_clock
        on forecasts.target_date <= data_clock.last_demand_date

    left join demand_days
        on
            forecasts.sku = demand_days.sku
            and forecasts.destination_country = demand_days.destination_country
            and forecasts.target_date = demand_days.demand_date

),

final as (

    select

        ----------  ids
        forecast_id as forecast_accuracy_id,
        forecast_run_id,
        series_id,
        sku,
        destination_country,
        model_name,

        ---------- forecast
        is_chosen,
        cutoff_date,
        target_date,
        horizon_days,
        forecast_units,
        lo_80,
        hi_80,
        lo_95,
        hi_95,

        ---------- actual and error
        actual_units,
        forecast_units - actual_units as forecast_error,
        abs(forecast_units - actual_units) as absolute_error,
        actual_units between lo_80 and hi_80 as is_in_80,
        actual_units between lo_95 and hi_95 as is_in_95

    from scored

)

select * from final
