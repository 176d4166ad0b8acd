with

source as (

    select * from {{ source('lake', 'customs_declarations') }}

),

final as (

    select

        ----------  ids
        {{ dbt.cast('declaration_id', dbt.type_string()) }} as declaration_id,
        {{ dbt.cast('tracking_number', dbt.type_string()) }} as tracking_number,
        {{ dbt.cast('order_id', dbt.type_string()) }} as order_id,

        ---------- text
        {{ dbt.cast('broker', dbt.type_string()) }} as broker,
        {{ dbt.cast('hs_code', dbt.type_string()) }} as hs_code,
        {{ dbt.cast('goods_description', dbt.type_string()) }} as goods_description,
        {{ dbt.cast('currency', dbt.type_string()) }} as currency,
        {{ dbt.cast('incoterm', dbt.type_string()) }} as incoterm,
        {{ dbt.cast('origin_country', dbt.type_string()) }} as origin_country,
        {{ dbt.cast('destination_country', dbt.type_string()) }} as destination_country,

        ---------- numerics
        {{ dbt.cast('declared_value', 'decimal(18, 2)') }} as declared_value,
        {{ dbt.cast('duty_amount', 'decimal(18, 2)') }} as duty_amount,
        {{ dbt.cast('vat_amount', 'decimal(18, 2)') }} as vat_amount,

        ---------- timestamps (UTC)
        {{ dbt.cast('declared_at', dbt.type_timestamp()) }} as declared_at,

        ---------- lineage
        {{ dbt.cast('_source_file', dbt.type_string()) }} as _source_file,
        {{ dbt.cast('_source_line', dbt.type_bigint()) }} as _source_line,
        {{ dbt.cast('_file_sha256', dbt.type_string()) }} as _file_sha256,
        {{ dbt.cast('delivery_date', 'date') }} as delivery_date

    from source

)

select * from final
