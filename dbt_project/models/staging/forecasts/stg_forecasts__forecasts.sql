with

source as (

    select * from {{ source('forecasts', 'forecasts') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['forecast_run_id', 'series_id', 'target_date', 'model']) }} as forecast_id,
        {{ dbt.cast('forecast_run_id', dbt.type_string()) }} as forecast_run_id,
        {{ dbt.cast('series_id', dbt.type_string()) }} as series_id,
        {{ dbt.cast('sku', dbt.type_string()) }} as sku,

        ---------- text
        {{ dbt.cast('destination_country', dbt.type_string()) }} as destination_country,
        {{ dbt.cast('model', dbt.type_string()) }} as model_name,

        ---------- numerics
        {{ dbt.cast('horizon_days', dbt.type_int()) }} as horizon_days,
        {{ dbt.cast('forecast_units', 'double') }} as forecast_units,
        {{ dbt.cast('lo_80', 'double') }} as lo_80,
        {{ dbt.cast('hi_80', 'double') }} as hi_80,
        {{ dbt.cast('lo_95', 'double') }} as lo_95,
        {{ dbt.cast('hi_95', 'double') }} as hi_95,

        ---------- booleans
        {{ dbt.cast('is_chosen', 'boolean') }} as is_chosen,

        ---------- dates
        {{ dbt.cast('cutoff_date', 'date') }} as cutoff_date,
        {{ dbt.cast('target_date', 'date') }} as target_date

    from source

)

select * from final
