-- Where do goods wait longest at customs? Dwell (lodged to released) by destination and HS
-- chapter: p50 and p90 hours, hold and inspection rates, the share cleared under de minimis.
select
    d.destination_country,
    d.hs_chapter,
    left(h.chapter_description, 48) as chapter_description,
    count(*) as declarations,
    round(quantile_cont(d.dwell_hours, 0.5), 1) as dwell_hours_p50,
    round(quantile_cont(d.dwell_hours, 0.9), 1) as dwell_hours_p90,
    round(avg(d.was_held::int), 3) as hold_rate,
    round(avg(d.was_inspected::int), 3) as inspection_rate,
    round(avg(d.is_de_minimis::int), 3) as de_minimis_share
from marts.fct_customs_declarations as d
left join (
    select distinct chapter, chapter_description from marts.dim_hs_codes
) as h on d.hs_chapter = h.chapter
where d.dwell_hours is not null
group by all
having count(*) >= 10
order by dwell_hours_p90 desc
limit 15;
