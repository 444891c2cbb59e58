"""Networks and their member cities."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import City
from app.common.pagination import PageParams, paginate
from app.errors import Conflict, NotFound
from app.identity import audit
from app.identity.models import OrgKind, User
from app.identity.service import create_organization
from app.networks import rollup
from app.networks.models import Network, NetworkCity
from app.networks.schemas import MemberCityRead, NetworkCreate


async def create_network(session: AsyncSession, *, data: NetworkCreate, actor: User) -> Network:
    organization = await create_organization(session, kind=OrgKind.NETWORK, name=data.name, creator=actor)
    network = Network(id=organization.id, **data.model_dump())
    session.add(network)
    await session.flush()
    return network


async def get_network(session: AsyncSession, network_id: uuid.UUID) -> Network:
    network = await session.get(Network, network_id)
    if network is None:
        raise NotFound(f"No network has the id {network_id}.")
    return network


async def list_networks(session: AsyncSession, *, params: PageParams) -> tuple[list[Network], str | None]:
    return await paginate(session, select(Network), params, keys=[Network.name, Network.id], key_of=lambda n: [n.name, n.id])


async def join(session: AsyncSession, *, network: Network, city: City, actor: User) -> NetworkCity:
    if await session.get(NetworkCity, (network.id, city.id)) is not None:
        raise Conflict(f"{city.name} is a member of {network.acronym} already.")
    membership = NetworkCity(network_id=network.id, city_id=city.id)
    session.add(membership)
    await session.flush()
    await rollup.membership_changed(session, network.id, city.id)
    for organization_id in (city.id, network.id):
        audit.record(
            session, actor_id=actor.id, organization_id=organization_id, action="network.join", object_type="city",
            object_id=city.id, summary=f"{city.name} joined {network.acronym}",
        )
    return membership


async def leave(session: AsyncSession, *, network: Network, city_id: uuid.UUID, actor: User) -> None:
    membership = await session.get(NetworkCity, (network.id, city_id))
    if membership is None:
        raise NotFound(f"City {city_id} is not a member of {network.acronym}.")
    await session.delete(membership)
    await session.flush()
    await rollup.membership_changed(session, network.id, city_id)
    for organization_id in (city_id, network.id):
        audit.record(
            session, actor_id=actor.id, organization_id=organization_id, action="network.leave", object_type="city",
            object_id=city_id, summary=f"city left {network.acronym}",
        )


def member_city_ids(network_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The ids of a network's member cities, as a subquery."""
    return select(NetworkCity.city_id).where(NetworkCity.network_id == network_id)


async def list_member_cities(
    session: AsyncSession, *, network_id: uuid.UUID, params: PageParams
) -> tuple[list[MemberCityRead], str | None]:
    stmt = (
        select(City.id, City.name, City.country_code, City.population, NetworkCity.joined_at)
        .join(NetworkCity, NetworkCity.city_id == City.id)
        .where(NetworkCity.network_id == network_id)
    )
    rows, cursor = await paginate(
        session, stmt, params, keys=[City.name, City.id], key_of=lambda r: [r[1], r[0]], scalars=False
    )
    items = [MemberCityRead(city_id=r[0], name=r[1], country_code=r[2], population=r[3], joined_at=r[4]) for r in rows]
    return items, cursor
