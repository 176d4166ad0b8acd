with

source as (

    select * from {{ source('lake', 'scms_shipment_lines') }}

),

final as (

    select

        ----------  ids
        {{ dbt.cast('scms_id', dbt.type_bigint()) }} as scms_id,
        {{ dbt.cast('asn_dn_number', dbt.type_string()) }} as asn_dn_number,
        {{ dbt.cast('po_so_number', dbt.type_string()) }} as po_so_number,
        {{ dbt.cast('project_code', dbt.type_string()) }} as project_code,

        ---------- text
        {{ dbt.cast('destination_country', dbt.type_string()) }} as destination_country,
        {{ dbt.cast('managed_by', dbt.type_string()) }} as managed_by,
        {{ dbt.cast('fulfill_via', dbt.type_string()) }} as fulfill_via,
        {{ dbt.cast('vendor_incoterm', dbt.type_string()) }} as vendor_incoterm,
        {{ dbt.cast('shipment_mode', dbt.type_string()) }} as shipment_mode,
        {{ dbt.cast('product_group', dbt.type_string()) }} as product_group,
        {{ dbt.cast('vendor', dbt.type_string()) }} as vendor,
        {{ dbt.cast('weight_note', dbt.type_string()) }} as weight_note,
        {{ dbt.cast('freight_note', dbt.type_string()) }} as freight_note,
        {{ dbt.cast('weight_ref_scms_id', dbt.type_bigint()) }} as weight_ref_scms_id,
        {{ dbt.cast('freight_ref_scms_id', dbt.type_bigint()) }} as freight_ref_scms_id,

        ---------- numerics
        {{ dbt.cast('line_item_quantity', dbt.type_bigint()) }} as line_item_quantity,
        {{ dbt.cast('line_item_value_usd', 'decimal(18, 2)') }} as line_item_value_usd,
        {{ dbt.cast('weight_kg', 'decimal(18, 2)') }} as weight_kg,
        {{ dbt.cast('freight_cost_usd', 'decimal(18, 2)') }} as freight_cost_usd,
        {{ dbt.cast('insurance_usd', 'decimal(18, 2)') }} as insurance_usd,

        ---------- dates
        {{ dbt.cast('pq_first_sent_to_client_date', 'date') }} as pq_first_sent_to_client_date,
        {{ dbt.cast('po_sent_to_vendor_date', 'date') }} as po_sent_to_vendor_date,
        {{ dbt.cast('scheduled_delivery_date', 'date') }} as scheduled_delivery_date,
        {{ dbt.cast('delivered_to_client_date', 'date') }} as delivered_to_client_date,
        {{ dbt.cast('delivery_recorded_date', 'date') }} as delivery_recorded_date,

        ---------- lineage
        {{ dbt.cast('_source_file', dbt.type_string()) }} as _source_file,
        {{ dbt.cast('_source_line', dbt.type_bigint()) }} as _source_line,
        {{ dbt.cast('_file_sha256', dbt.type_string()) }} as _file_sha256,
        {{ dbt.cast('delivery_date', 'date') }} as delivery_date

    from source

)

select * from final
