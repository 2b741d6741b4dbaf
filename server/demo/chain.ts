/**
 * The demo retail chain, generated deterministically from a seed: regions, stores and clerks. Later
 * capabilities extend the same generator (customers, WeCom contacts, orders) through the seed steps in
 * server/demo/seed.ts; sizes scale by parameters up to the benchmark tenant.
 */
import { Rng } from './random';

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '梁', '郑', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹'];
export const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '桂英', '婷', '雪', '晨', '欣怡', '子涵', '梓萱', '浩然', '雨桐', '思远', '佳怡', '宇轩', '一诺'];

export function chineseName(rng: Rng): string {
  return rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.35) ? rng.pick(GIVEN).slice(0, 1) : '');
}

interface RegionSpec {
  code: string;
  name: string;
  cities: string[];
}
const REGIONS: RegionSpec[] = [
  { code: 'EAST', name: '华东大区', cities: ['上海', '杭州', '南京', '苏州', '宁波', '合肥'] },
  { code: 'SOUTH', name: '华南大区', cities: ['广州', '深圳', '佛山', '东莞', '厦门', '南宁'] },
  { code: 'NORTH', name: '华北大区', cities: ['北京', '天津', '石家庄', '济南', '青岛', '太原'] },
  { code: 'WEST', name: '西南大区', cities: ['成都', '重庆', '昆明', '贵阳'] },
  { code: 'CENTRAL', name: '华中大区', cities: ['武汉', '长沙', '郑州', '南昌'] },
];
const MALLS = ['万达广场', '万象城', '大悦城', '龙湖天街', '印象城', '吾悦广场', '银泰城', '来福士', '太古里', '凯德MALL', '宝龙广场', '步行街', '恒隆广场', '新天地'];

export interface DemoRegion {
  code: string;
  name: string;
}
export interface DemoStore {
  code: string;
  name: string;
  regionCode: string;
  city: string;
  address: string;
  openedOn: string;
}
export interface DemoClerk {
  userid: string;
  name: string;
  mobile: string;
  storeCode: string;
}
export interface DemoChain {
  brand: string;
  regions: DemoRegion[];
  stores: DemoStore[];
  clerks: DemoClerk[];
}

export interface ChainSize {
  regions: number;
  stores: number;
  clerks: number;
}
export const DEMO_SIZE: ChainSize = { regions: 3, stores: 12, clerks: 60 };

export function generateChain(seed: number, size: ChainSize = DEMO_SIZE): DemoChain {
  const rng = new Rng(seed).fork('chain');
  const regions = REGIONS.slice(0, Math.min(size.regions, REGIONS.length)).map(({ code, name }) => ({ code, name }));
  const stores: DemoStore[] = [];
  for (let i = 0; i < size.stores; i++) {
    const region = REGIONS[i % regions.length]!;
    const city = region.cities[Math.floor(i / regions.length) % region.cities.length]!;
    const mall = rng.pick(MALLS);
    stores.push({
      code: `S${String(i + 1).padStart(3, '0')}`,
      name: `${city}${mall}店`,
      regionCode: region.code,
      city,
      address: `${city}市${mall}${rng.int(1, 4)}层${rng.int(101, 499)}号`,
      openedOn: `20${rng.int(16, 23)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
    });
  }
  const clerks: DemoClerk[] = [];
  const used = new Set<string>();
  for (let i = 0; i < size.clerks; i++) {
    const store = stores[i % stores.length]!;
    let mobile: string;
    do mobile = `1${rng.pick(['35', '36', '38', '39', '50', '58', '86', '88'])}${String(rng.int(0, 99999999)).padStart(8, '0')}`;
    while (used.has(mobile));
    used.add(mobile);
    clerks.push({ userid: `clerk${String(i + 1).padStart(4, '0')}`, name: chineseName(rng), mobile, storeCode: store.code });
  }
  return { brand: '悦享生活', regions, stores, clerks };
}
