{#
    The forecasts replenishment plans with: for each series, the chosen model's daily forecasts
    of the newest refresh that forecast the series (newest cutoff_date, then created_at, then
    run id), with the chosen model's backtest accuracy.

    A day's demand standard deviation is read off the upper half of its 95 % interval,
    (hi_95 - forecast) / z(0.975), assuming a normal forecast error: the upper half because
    the intervals of sparse series are cut at 0 units below, and the upper tail is what safety
    stock protects against.
#}

{% set z_975 = 1.959963984540054 %}

with

forecasts as (

    select * from {{ ref('stg_forecasts__forecasts') }}

),

forecast_runs as (

    select * from {{ ref('stg_forecasts__forecast_runs') }}

),

backtest_accuracy as (

    select * from {{ ref('stg_forecasts__backtest_accuracy') }}

),

series_runs as (

    select distinct

        forecasts.series_id,
        forecasts.forecast_run_id,
        forecasts.cutoff_date,
        forecast_runs.created_at

    from forecasts

    left join forecast_runs
        on forecasts.forecast_run_id = forecast_runs.forecast_run_id

),

latest_series_runs as (

    select

        series_id,
        forecast_run_id

    from series_runs

    qualify row_number() over (
        partition by series_id
        order by cutoff_date desc, created_at desc nulls last, forecast_run_id desc
    ) = 1

),

final as (

    select

        ----------  ids
        forecasts.forecast_id,
        forecasts.forecast_run_id,
        forecasts.series_id,
        forecasts.sku,
        forecasts.destination_country,

        ---------- forecast
        forecasts.cutoff_date,
        forecasts.target_date,
        forecasts.horizon_days,
        forecasts.model_name,
        forecasts.forecast_units,
        forecasts.hi_95,
        greatest(forecasts.hi_95 - forecasts.forecast_units, 0) / {{ z_975 }} as demand_sd_units,

        ---------- the chosen model's backtest
        backtest_accuracy.mase as backtest_mase,
        backtest_accuracy.wape as backtest_wape,
        backtest_accuracy.coverage_95 as backtest_coverage_95

    from forecasts

    inner join latest_series_runs
        on
            forecasts.series_id = latest_series_runs.series_id
            and forecasts.forecast_run_id = latest_series_runs.forecast_run_id

    left join backtest_accuracy
        on
            forecasts.forecast_run_id = backtest_accuracy.forecast_run_id
            and forecasts.series_id = backtest_accuracy.series_id
            and forecasts.model_name = backtest_accuracy.model_name

    where forecasts.is_chosen

)

select * from final
