with

source as (

    select * from {{ source('forecasts', 'backtest_accuracy') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['forecast_run_id', 'series_id', 'model']) }} as backtest_accuracy_id,
        {{ dbt.cast('forecast_run_id', dbt.type_string()) }} as forecast_run_id,
        {{ dbt.cast('series_id', dbt.type_string()) }} as series_id,
        {{ dbt.cast('sku', dbt.type_string()) }} as sku,

        ---------- text
        {{ dbt.cast('destination_country', dbt.type_string()) }} as destination_country,
        {{ dbt.cast('model', dbt.type_string()) }} as model_name,

        ---------- numerics
        {{ dbt.cast('n_windows', dbt.type_int()) }} as n_windows,
        {{ dbt.cast('mase', 'double') }} as mase,
        {{ dbt.cast('wape', 'double') }} as wape,
        {{ dbt.cast('bias', 'double') }} as bias,
        {{ dbt.cast('coverage_80', 'double') }} as coverage_80,
        {{ dbt.cast('coverage_95', 'double') }} as coverage_95,

        ---------- booleans
        {{ dbt.cast('is_chosen', 'boolean') }} as is_chosen,

        ---------- dates
        {{ dbt.cast('cutoff_date', 'date') }} as cutoff_date

    from source

)

select * from final
