{#
    Accuracy by horizon over time: fct_forecast_accuracy rolled up per ISO week of the target
    day x horizon bucket x model. Besides each statsforecast model, model_name = 'chosen' rolls up
    the forecasts of the model chosen for each series in each refresh (what the advice uses).
    Ratios are over the week's sums (WAPE = sum |error| / sum actual), null when no units sold.

    Incremental (delete+insert by forecast_accuracy_week_id; every row of a touched week is
    rewritten). Scored forecasts are never removed and change only in their actual units, so a
    week changes when it has more scored forecasts than the built rows count (a new refresh,
    days the clock reached) or a placed line of the build's batch of files falls in it (a
    changed actual): those weeks are re-aggregated.
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='forecast_accuracy_week_id',
        on_schema_change='fail',
    )
}}

{#- (bucket label, first horizon day, last horizon day or none) -#}
{%- set buckets = [('h01-07', 1, 7), ('h08-14', 8, 14), ('h15-28', 15, 28), ('h29+', 29, none)] -%}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}
-- depends_on: {{ ref('stg_marketplace__order_lines') }}

with

all_accuracy as (

    select * from {{ ref('fct_forecast_accuracy') }}

),

{% if is_incremental() %}

scored_weeks as (

    select

        {{ dbt.cast(dbt.date_trunc('week', 'target_date'), 'date') }} as target_week,
        count(*) as forecasts

    from all_accuracy

    group by {{ dbt.date_trunc('week', 'target_date') }}

),

built_weeks as (

    select

        target_week,
        sum(forecasts) as forecasts

    from {{ this }}

    where model_name != 'chosen'

    group by target_week

),

touched_weeks as (

    select scored_weeks.target_week
    from scored_weeks
    left join built_weeks
        on scored_weeks.target_week = built_weeks.target_week
    where built_weeks.forecasts is null or scored_weeks.forecasts != built_weeks.forecasts

    union

    select {{ dbt.cast(dbt.date_trunc('week', 'order_lines.ordered_at'), 'date') }} as target_week
    from {{ ref('stg_marketplace__order_lines') }} as order_lines
    where
        order_lines.order_status = 'placed'
        and {{ in_build_batch('order_lines') }}

),

{% endif %}

accuracy as (

    select all_accuracy.*
    from all_accuracy
    {% if is_incremental() %}
    where
        {{ dbt.cast(dbt.date_trunc('week', 'all_accuracy.target_date'), 'date') }}
        in (select touched_weeks.target_week from touched_weeks)
    {% endif %}

),

bucketed as (

    select

        {{ dbt.cast(dbt.date_trunc('week', 'target_date'), 'date') }} as target_week,
        case
            {% for label, first_day, last_day in buckets -%}
            when horizon_days >= {{ first_day }}{% if last_day %} and horizon_days <= {{ last_day }}{% endif %}
                then '{{ label }}'
            {% endfor -%}
        end as horizon_bucket,
        model_name,
        is_chosen,
        series_id,
        forecast_units,
        actual_units,
        forecast_error,
        absolute_error,
        is_in_80,
        is_in_95

    from accuracy

),

models as (

    select * from bucketed

    union all

    select

        target_week,
        horizon_bucket,
        'chosen' as model_name,
        is_chosen,
        series_id,
        forecast_units,
        actual_units,
        forecast_error,
        absolute_error,
        is_in_80,
        is_in_95

    from bucketed

    where is_chosen

),

aggregated as (

    select

        target_week,
        horizon_bucket,
        model_name,
        count(*) as forecasts,
        count(distinct series_id) as series,
        sum(forecast_units) as forecast_units,
        sum(actual_units) as actual_units,
        sum(forecast_error) as forecast_error,
        sum(absolute_error) as absolute_error,
        sum(case when is_in_80 then 1 else 0 end) as in_80,
        sum(case when is_in_95 then 1 else 0 end) as in_95

    from models

    group by
        target_week,
        horizon_bucket,
        model_name

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['target_week', 'horizon_bucket', 'model_name']) }} as forecast_accuracy_week_id,
        target_week,
        horizon_bucket,
        model_name,

        ---------- volume
        {{ dbt.cast('forecasts', dbt.type_bigint()) }} as forecasts,
        {{ dbt.cast('series', dbt.type_bigint()) }} as series,
        forecast_units,
        {{ dbt.cast('actual_units', dbt.type_bigint()) }} as actual_units,

        ---------- accuracy
        absolute_error / forecasts as mean_absolute_error,
        {{ safe_ratio('absolute_error', 'actual_units') }} as wape,
        {{ safe_ratio('forecast_error', 'actual_units') }} as bias,
        {{ safe_ratio('in_80', 'forecasts') }} as coverage_80,
        {{ safe_ratio('in_95', 'forecasts') }} as coverage_95

    from aggregated

)

select * from final
