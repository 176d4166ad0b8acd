with

source as (

    select * from {{ source('forecasts', 'forecast_runs') }}

),

final as (

    select

        ----------  ids
        {{ dbt.cast('forecast_run_id', dbt.type_string()) }} as forecast_run_id,

        ---------- text
        {{ dbt.cast('models', dbt.type_string()) }} as models,
        {{ dbt.cast('config_sha256', dbt.type_string()) }} as config_sha256,

        ---------- numerics
        {{ dbt.cast('horizon_days', dbt.type_int()) }} as horizon_days,
        {{ dbt.cast('season_length', dbt.type_int()) }} as season_length,
        {{ dbt.cast('series_count', dbt.type_int()) }} as series_count,
        {{ dbt.cast('seconds', 'double') }} as refresh_seconds,

        ---------- dates and timestamps (UTC)
        {{ dbt.cast('cutoff_date', 'date') }} as cutoff_date,
        {{ dbt.cast('created_at', dbt.type_timestamp()) }} as created_at

    from source

)

select * from final
