{#
    Weekly performance of a lane (source system x origin x destination x carrier x service).
    The week is that of the hand-over to the carrier for crossdock shipments (shipments never
    handed over, label created only, have no ship week and are left out) and that of the
    delivery to the client for SCMS shipments (SCMS records no hand-over). Percentiles
    (percentile_cont) are over the shipments of the lane-week that have the measure: transit
    and last mile over delivered shipments, first mile over shipments with a first scan.
#}

with

shipments as (

    select * from {{ ref('fct_shipment_journeys') }}

),

lane_shipments as (

    select

        source_system,
        origin_country,
        destination_country,
        carrier,
        service,
        {{ dbt.cast(
            dbt.date_trunc(
                'week',
                "case when source_system = 'scms' then delivered_at else handed_to_carrier_at end"
            ),
            'date'
        ) }} as ship_week,
        is_delivered,
        is_on_time,
        is_shipped_late,
        has_exception,
        is_lost,
        is_returned,
        case when is_delivered then transit_days end as delivered_transit_days,
        case when is_delivered then order_to_delivery_days end as delivered_lead_time_days,
        first_mile_hours,
        case when is_delivered then last_mile_hours end as delivered_last_mile_hours

    from shipments

),

lane_weeks as (

    select

        source_system,
        origin_country,
        destination_country,
        carrier,
        service,
        ship_week,

        count(*) as shipments,
        sum(case when is_delivered then 1 else 0 end) as delivered_shipments,
        sum(case when is_on_time then 1 else 0 end) as on_time_shipments,
        sum(case when is_shipped_late then 1 else 0 end) as late_shipments,
        sum(case when has_exception then 1 else 0 end) as exception_shipments,
        sum(case when is_lost then 1 else 0 end) as lost_shipments,
        sum(case when is_returned then 1 else 0 end) as returned_shipments,

        {# interpolate in floating point (the macro casts), then round to decimal below #}
        {{ percentile('delivered_transit_days', 0.5) }} as transit_days_p50,
        {{ percentile('delivered_transit_days', 0.9) }} as transit_days_p90,
        {{ percentile('delivered_transit_days', 0.95) }} as transit_days_p95,
        {{ percentile('delivered_lead_time_days', 0.5) }} as lead_time_days_p50,
        {{ percentile('delivered_lead_time_days', 0.9) }} as lead_time_days_p90,
        {{ percentile('first_mile_hours', 0.5) }} as first_mile_hours_p50,
        {{ percentile('first_mile_hours', 0.9) }} as first_mile_hours_p90,
        {{ percentile('delivered_last_mile_hours', 0.5) }} as last_mile_hours_p50,
        {{ percentile('delivered_last_mile_hours', 0.9) }} as last_mile_hours_p90

    from lane_shipments

    where ship_week is not null

    group by 1, 2, 3, 4, 5, 6

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key([
            'source_system',
            'origin_country',
            'destination_country',
            'carrier',
            'service',
            'ship_week',
        ]) }} as lane_week_id,

        ---------- grain
        source_system,
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
        {{ dbt.cast('exception_shipments', dbt.type_int()) }} as exception_shipments,
        {{ dbt.cast('lost_shipments', dbt.type_int()) }} as lost_shipments,
        {{ dbt.cast('returned_shipments', dbt.type_int()) }} as returned_shipments,

        ---------- rates
        {{ safe_ratio('on_time_shipments', 'delivered_shipments') }} as on_time_rate,
        {{ safe_ratio('late_shipments', 'shipments') }} as late_shipment_rate,
        {{ safe_ratio('exception_shipments', 'shipments') }} as exception_rate,
        {{ safe_ratio('lost_shipments', 'shipments') }} as lost_rate,

        ---------- transit and lead time of delivered shipments, days
        {{ dbt.cast('transit_days_p50', 'decimal(18, 2)') }} as transit_days_p50,
        {{ dbt.cast('transit_days_p90', 'decimal(18, 2)') }} as transit_days_p90,
        {{ dbt.cast('transit_days_p95', 'decimal(18, 2)') }} as transit_days_p95,
        {{ dbt.cast('lead_time_days_p50', 'decimal(18, 2)') }} as lead_time_days_p50,
        {{ dbt.cast('lead_time_days_p90', 'decimal(18, 2)') }} as lead_time_days_p90,

        ---------- first mile (order to first carrier scan) and last mile, hours
        {{ dbt.cast('first_mile_hours_p50', 'decimal(18, 2)') }} as first_mile_hours_p50,
        {{ dbt.cast('first_mile_hours_p90', 'decimal(18, 2)') }} as first_mile_hours_p90,
        {{ dbt.cast('last_mile_hours_p50', 'decimal(18, 2)') }} as last_mile_hours_p50,
        {{ dbt.cast('last_mile_hours_p90', 'decimal(18, 2)') }} as last_mile_hours_p90

    from lane_weeks

)

select * from final
