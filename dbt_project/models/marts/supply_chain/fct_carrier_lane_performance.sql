{#
    Weekly performance of a lane (origin x destination x carrier x service), by the week the
    parcels were handed to the carrier. Shipments never handed to the carrier (label created
    only) have no ship week and are left out. Transit-day percentiles are over the delivered
    shipments of the lane-week.
#}

with

shipments as (

    select * from {{ ref('fct_shipment_journeys') }}

),

handed_to_carrier as (

    select

        origin_country,
        destination_country,
        carrier,
        service,
        {{ dbt.cast(dbt.date_trunc('week', 'handed_to_carrier_at'), 'date') }} as ship_week,
        is_delivered,
        is_on_time,
        is_shipped_late,
        {# interpolate in floating point, then round: percentile_cont over a decimal truncates #}
        {{ dbt.cast('case when is_delivered then transit_days end', 'double precision') }}
            as delivered_transit_days

    from shipments

    where handed_to_carrier_at is not null

),

lane_weeks as (

    select

        origin_country,
        destination_country,
        carrier,
        service,
        ship_week,

        count(*) as shipments,
        sum(case when is_delivered then 1 else 0 end) as delivered_shipments,
        sum(case when is_on_time then 1 else 0 end) as on_time_shipments,
        sum(case when is_shipped_late then 1 else 0 end) as late_shipments,

        {{ percentile("delivered_transit_days", 0.5) }} as transit_days_p50,
        {{ percentile("delivered_transit_days", 0.9) }} as transit_days_p90,
        {{ percentile("delivered_transit_days", 0.95) }} as transit_days_p95

    from handed_to_carrier

    group by 1, 2, 3, 4, 5

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key([
            'origin_country',
            'destination_country',
            'carrier',
            'service',
            'ship_week',
        ]) }} as lane_week_id,

        ---------- grain
        origin_country,
        destination_country,
        origin_country != destination_country as is_cross_border,
        carrier,
        service,
        ship_week,

        ---------- counts
        {{ dbt.cast('shipments', dbt.type_int()) }} as shipments,
        {{ dbt.cast('delivered_shipments', dbt.type_int()) }} as delivered_shipments,
        {{ dbt.cast('on_time_shipments', dbt.type_int()) }} as on_time_shipments,
        {{ dbt.cast('late_shipments', dbt.type_int()) }} as late_shipments,

        ---------- rates
        case
            when delivered_shipments > 0
                then {{ dbt.cast('on_time_shipments', 'double precision') }} / delivered_shipments
        end as on_time_rate,

        {{ dbt.cast('late_shipments', 'double precision') }} / shipments as late_shipment_rate,

        ---------- transit days of delivered shipments
        {{ dbt.cast('transit_days_p50', 'decimal(18, 2)') }} as transit_days_p50,
        {{ dbt.cast('transit_days_p90', 'decimal(18, 2)') }} as transit_days_p90,
        {{ dbt.cast('transit_days_p95', 'decimal(18, 2)') }} as transit_days_p95

    from lane_weeks

)

select * from final
