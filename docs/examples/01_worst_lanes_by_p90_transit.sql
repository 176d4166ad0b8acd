-- Which lanes are slowest for the customer? The ten lanes (origin -> destination, carrier,
-- service) with the highest 90th-percentile transit time over all delivered shipments, with
-- on-time rate. At least 20 delivered shipments, so one stray parcel cannot top the list.
select
    j.origin_country,
    j.destination_country,
    j.carrier,
    j.service,
    count(*) as delivered_shipments,
    round(quantile_cont(j.transit_days, 0.5), 1) as transit_days_p50,
    round(quantile_cont(j.transit_days, 0.9), 1) as transit_days_p90,
    round(avg(j.is_on_time::int), 3) as on_time_rate
from marts.fct_shipment_journeys as j
where j.is_delivered and j.transit_days is not null
group by all
having count(*) >= 20
order by transit_days_p90 desc, delivered_shipments desc
limit 10;
