{#
    One row per SCMS shipment (ASN/DN number) from its lines. A shipment's lines share country
    and mode; where their dates differ (8 shipments of the file have two scheduled dates) the
    shipment is scheduled and delivered when its last line is, and ordered when its first PO
    was sent to the vendor.
#}

with

shipment_lines as (

    select * from {{ ref('stg_scms__shipment_lines') }}

),

final as (

    select

        asn_dn_number,

        max(destination_country) as destination_country,
        max(shipment_mode) as shipment_mode,
        max(fulfill_via) as fulfill_via,
        max(managed_by) as managed_by,

        min(po_sent_to_vendor_date) as po_sent_to_vendor_date,
        min(pq_first_sent_to_client_date) as pq_first_sent_to_client_date,
        max(scheduled_delivery_date) as scheduled_delivery_date,
        max(delivered_to_client_date) as delivered_to_client_date,
        max(delivery_recorded_date) as delivery_recorded_date,

        count(*) as line_count,
        sum(line_item_quantity) as line_item_quantity,
        sum(line_item_value_usd) as line_item_value_usd,

        max(delivery_date) as last_delivery_date

    from shipment_lines

    group by 1

)

select * from final
