{#
    Every past forecast (every refresh, series, target day and model) whose target day the
    demand data has reached, joined to the actual units of that day. The data's clock is the
    newest UTC order day with a placed line (last_demand_date); a target day up to it without a
    placed line had 0 units. Interval bounds are inclusive.

    Incremental (delete+insert by forecast_accuracy_id; the forecast tables are append-only).
    An increment scores the forecasts up to the data's clock that: belong to a refresh not yet
    scored, target a day after the newest one scored (the clock moved), or target a SKU x
    country x day of a placed line in the build's batch of files (a late line changes an
    actual).
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='forecast_accuracy_id',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}
-- depends_on: {{ ref('stg_marketplace__order_lines') }}

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

{% if is_incremental() %}

built as (

    select

        forecast_run_id,
        max(target_date) as last_target_date

    from {{ this }}

    group by forecast_run_id

),

touched_actuals as (

    select distinct

        sku,
        ship_to_country as destination_country,
        {{ dbt.cast('ordered_at', 'date') }} as demand_date

    from {{ ref('stg_marketplace__order_lines') }}

    where
        order_status = 'placed'
        and {{ in_build_batch() }}

),

{% endif %}

forecasts_to_score as (

    select forecasts.*
    from forecasts
    {% if is_incremental() %}
    where
        forecasts.forecast_run_id not in (select built.forecast_run_id from built)
        or forecasts.target_date > (select max(built.last_target_date) as last_target_date from built)
        or exists (
            select 1 as is_touched
            from touched_actuals
            where
                forecasts.sku = touched_actuals.sku
                and forecasts.destination_country = touched_actuals.destination_country
                and forecasts.target_date = touched_actuals.demand_date
        )
    {% endif %}

),

scored as (

    select

        forecasts.*,
        {{ dbt.cast('coalesce(demand_days.units, 0)', dbt.type_bigint()) }} as actual_units

    from forecasts_to_score as forecasts

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
