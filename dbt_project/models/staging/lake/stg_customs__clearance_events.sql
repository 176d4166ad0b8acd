with

source as (

    select * from {{ source('lake', 'customs_clearance_events') }}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['declaration_id', 'status', 'event_at']) }} as clearance_event_id,
        {{ dbt.cast('declaration_id', dbt.type_string()) }} as declaration_id,

        ---------- text
        {{ dbt.cast('status', dbt.type_string()) }} as status,
        {{ dbt.cast('remarks', dbt.type_string()) }} as remarks,

        ---------- timestamps (UTC)
        {{ dbt.cast('event_at', dbt.type_timestamp()) }} as event_at,

        ---------- lineage
        {{ dbt.cast('_source_file', dbt.type_string()) }} as _source_file,
        {{ dbt.cast('_source_line', dbt.type_bigint()) }} as _source_line,
        {{ dbt.cast('_file_sha256', dbt.type_string()) }} as _file_sha256,
        {{ dbt.cast('delivery_date', 'date') }} as delivery_date

    from source

)

select * from final
