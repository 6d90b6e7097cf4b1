-- Reserved for this migration; hand-written SQL goes here.
select 1;
